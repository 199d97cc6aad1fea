/**
 * Wire datasource settings → the SDK's DataSourceInstanceSettings: jsonData bytes parsed (once per
 * settings version: the instance manager calls this only when it creates an instance), secure data
 * copied, both bounded in size.
 */
import { SettingsError, type DataSourceInstanceSettings } from '../../types';
import type { pluginv2 } from '../messages';
import { int64 } from './scalars';

export type WireDataSourceInstanceSettings = pluginv2.IDataSourceInstanceSettings;

/**
 * Largest jsonData accepted (bytes of JSON). Grafana sets no limit of its own; settings written in its
 * editors are a few KiB. Bigger jsonData is refused before it is parsed, so instances kept in memory
 * (one per datasource) stay small whatever a datasource was provisioned with.
 */
export const MAX_JSON_DATA_BYTES = 64 * 1024;
/** Largest decrypted secure JSON data accepted (keys and values, bytes), for the same reason. */
export const MAX_SECURE_JSON_DATA_BYTES = 64 * 1024;

const KiB = (bytes: number): string => `${Math.ceil(bytes / 1024)} KiB`;

function secureDataBytes(data: Record<string, string> | null | undefined): number {
  let total = 0;
  for (const [key, value] of Object.entries(data ?? {})) total += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  return total;
}

/** Which datasource the settings belong to (uid, else the deprecated numeric id) and their version. */
export function settingsIdentity(wire: WireDataSourceInstanceSettings): { datasource: string; version: string } {
  return {
    datasource: wire.uid ? `uid:${wire.uid}` : `id:${int64(wire.id)}`,
    version: String(int64(wire.lastUpdatedMS)),
  };
}

/** Throws a SettingsError naming the limit when the settings are too big to keep. */
export function checkSettingsSize(wire: WireDataSourceInstanceSettings): void {
  const jsonBytes = wire.jsonData?.byteLength ?? 0;
  if (jsonBytes > MAX_JSON_DATA_BYTES) {
    throw new SettingsError(
      `datasource jsonData is too large (${KiB(jsonBytes)}; the limit is ${KiB(MAX_JSON_DATA_BYTES)}): remove the settings this datasource does not use`,
    );
  }
  const secureBytes = secureDataBytes(wire.decryptedSecureJsonData);
  if (secureBytes > MAX_SECURE_JSON_DATA_BYTES) {
    throw new SettingsError(
      `datasource secure JSON data is too large (${KiB(secureBytes)}; the limit is ${KiB(MAX_SECURE_JSON_DATA_BYTES)})`,
    );
  }
}

export function parseJsonData(bytes: Uint8Array | null | undefined): Record<string, unknown> {
  if (!bytes || bytes.length === 0) return {};
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SettingsError(`datasource jsonData is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null) return {}; // Grafana sends `null` for a datasource saved without jsonData
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SettingsError(`datasource jsonData must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** Settings with `jsonData` left as `{}` (and oversized secure data dropped); used when the bytes cannot be used. */
export function decodeSettingsShell(wire: WireDataSourceInstanceSettings): DataSourceInstanceSettings {
  const secure = wire.decryptedSecureJsonData ?? {};
  return {
    id: int64(wire.id),
    uid: wire.uid ?? '',
    name: wire.name ?? '',
    url: wire.url ?? '',
    user: wire.user ?? '',
    database: wire.database ?? '',
    basicAuthEnabled: Boolean(wire.basicAuthEnabled),
    basicAuthUser: wire.basicAuthUser ?? '',
    jsonData: {},
    decryptedSecureJsonData: secureDataBytes(secure) > MAX_SECURE_JSON_DATA_BYTES ? {} : { ...secure },
    lastUpdatedMS: int64(wire.lastUpdatedMS),
    apiVersion: wire.apiVersion ?? '',
  };
}

/** The full settings, jsonData parsed; throws a SettingsError for settings that cannot be used. */
export function decodeSettings(wire: WireDataSourceInstanceSettings): DataSourceInstanceSettings {
  checkSettingsSize(wire);
  return { ...decodeSettingsShell(wire), jsonData: parseJsonData(wire.jsonData) };
}
