/**
 * Datasource settings: jsonData and the secure keys, validated once per settings version (the SDK's
 * decodeSettings); bad values stop the instance with a fix-it message that CheckHealth and every query show.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { SettingsError, type DataSourceInstanceSettings } from '@tributary/grafana-backend-sdk';
import { MQTT_SECURE_KEYS, type MqttSecureKey } from '../../../src/shared/mqtt';
import { WEB_TLS_SECURE_KEYS } from '../../../src/shared/webSources';
import type { TributarySettings } from '../../../src/shared/settings';
import { validateDatasourceSettings, validateSettings, type EffectiveSettings } from '../../../src/shared/validation';

/** Decrypted secureJsonData values of an MQTT datasource (only the keys that are set). */
export type MqttSecrets = Partial<Record<MqttSecureKey, string>>;

/**
 * Decrypted secureJsonData of a message source (only the keys that are set): MQTT's keys, or a web
 * source's TLS keys and `header:<name>` / `query:<name>` values.
 */
export type SourceSecrets = MqttSecrets & Record<string, string | undefined>;

function isSecureKey(key: string): boolean {
  return (
    (MQTT_SECURE_KEYS as readonly string[]).includes(key) ||
    (WEB_TLS_SECURE_KEYS as readonly string[]).includes(key) ||
    key.startsWith('header:') ||
    key.startsWith('query:')
  );
}

/**
 * What an instance receives. `secrets` is not enumerable, so it never ends up in JSON (health details,
 * the `settings` resource, logs of the settings object).
 */
export type DecodedSettings = EffectiveSettings & { readonly secrets: SourceSecrets };

const FIX_IT = 'Tributary settings need fixing (Connections → Data sources → this datasource)';

/** The numeric settings only (signals datasources, and the tests that predate source kinds). */
export function parseSettings(jsonData: unknown): TributarySettings {
  const { settings, problems } = validateSettings(jsonData);
  if (problems.length > 0) {
    throw new SettingsError(`${FIX_IT}: ${problems.join('; ')}.`);
  }
  return settings;
}

export function decodeDatasourceSettings(instance: Pick<DataSourceInstanceSettings, 'jsonData' | 'decryptedSecureJsonData'>): DecodedSettings {
  const secrets: SourceSecrets = {};
  for (const [key, value] of Object.entries(instance.decryptedSecureJsonData ?? {})) {
    if (isSecureKey(key) && typeof value === 'string' && value !== '') {
      secrets[key] = value;
    }
  }
  // Only the kind's own keys count (MQTT's password is not a web header, a header secret means nothing to MQTT).
  const kind = (instance.jsonData as { sourceKind?: unknown } | undefined)?.sourceKind;
  for (const key of Object.keys(secrets)) {
    const mqttKey = (MQTT_SECURE_KEYS as readonly string[]).includes(key);
    const webKey = (WEB_TLS_SECURE_KEYS as readonly string[]).includes(key) || key.startsWith('header:') || key.startsWith('query:');
    if ((kind === 'mqtt' && !mqttKey) || (kind !== 'mqtt' && !webKey)) {
      delete secrets[key];
    }
  }
  const { settings, problems } = validateDatasourceSettings(instance.jsonData, Object.keys(secrets));
  if (settings.sourceKind !== 'signals') {
    problems.push(...pemProblems(secrets));
  }
  if (problems.length > 0) {
    throw new SettingsError(`${FIX_IT}: ${problems.join('; ')}.`);
  }
  const decoded = { ...settings } as DecodedSettings;
  Object.defineProperty(decoded, 'secrets', { value: settings.sourceKind === 'signals' ? {} : secrets, enumerable: false });
  return decoded;
}

/** Certificates and keys are read now, so a pasted-in mistake is named in Save & test, not as a TLS failure later. */
function pemProblems(secrets: MqttSecrets): string[] {
  const problems: string[] = [];
  const certificate = (key: 'tlsCACert' | 'tlsClientCert', label: string) => {
    const text = secrets[key];
    if (text === undefined) {
      return;
    }
    try {
      new X509Certificate(text);
    } catch (error) {
      problems.push(`${label} (secureJsonData.${key}) is not a PEM certificate: ${(error as Error).message}`);
    }
  };
  certificate('tlsCACert', 'the CA certificate');
  certificate('tlsClientCert', 'the client certificate');
  if (secrets.tlsClientKey !== undefined) {
    try {
      createPrivateKey(secrets.tlsClientKey);
    } catch (error) {
      problems.push(`the client key (secureJsonData.tlsClientKey) is not a PEM private key (unencrypted): ${(error as Error).message}`);
    }
  }
  return problems;
}
