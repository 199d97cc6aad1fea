/** Wire datasource settings → the typed settings handed to `newInstance` (jsonData parsed once). */
import { SettingsError, type DataSourceInstanceSettings } from '../types';
import type { WireDataSourceInstanceSettings } from '../wire/messages';

export function parseJsonData(bytes: Uint8Array | undefined): Record<string, unknown> {
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

/** Settings with `jsonData` left as `{}`; used when the bytes cannot be parsed. */
export function decodeSettingsShell(wire: WireDataSourceInstanceSettings): DataSourceInstanceSettings {
  return {
    id: Number(wire.id ?? 0),
    uid: wire.uid ?? '',
    name: wire.name ?? '',
    url: wire.url ?? '',
    user: wire.user ?? '',
    database: wire.database ?? '',
    basicAuthEnabled: Boolean(wire.basicAuthEnabled),
    basicAuthUser: wire.basicAuthUser ?? '',
    jsonData: {},
    decryptedSecureJsonData: { ...(wire.decryptedSecureJsonData ?? {}) },
    lastUpdatedMS: Number(wire.lastUpdatedMS ?? 0),
    apiVersion: wire.apiVersion ?? '',
  };
}

export function decodeSettings(wire: WireDataSourceInstanceSettings): DataSourceInstanceSettings {
  return { ...decodeSettingsShell(wire), jsonData: parseJsonData(wire.jsonData) };
}
