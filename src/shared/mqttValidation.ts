/**
 * Validation of the MQTT connection settings (jsonData.mqtt), the buffer settings (jsonData.buffer)
 * and the consistency of the secure keys that are set. Shared by the config editor and the backend so
 * both report the same fix-it messages. Secrets themselves never come here: only which keys are set.
 */
import {
  DEFAULT_BUFFER_SETTINGS,
  DEFAULT_MQTT_SETTINGS,
  type BufferSettings,
  type MqttSecureKey,
  type MqttSettings,
} from './mqtt';
import { numberRangeError, type NumericRange } from './ranges';
import { topicFilterError } from './topicFilter';

export const MQTT_URL_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
const TLS_SCHEMES = new Set(['mqtts:', 'wss:']);

export const MQTT_NUMBER_RANGES = {
  keepaliveSeconds: { min: 0, max: 65_535, integer: true },
  reconnectMinMs: { min: 10, max: 60_000, integer: true },
  reconnectMaxMs: { min: 100, max: 3_600_000, integer: true },
  connectTimeoutMs: { min: 100, max: 120_000, integer: true },
} satisfies Partial<Record<keyof MqttSettings, NumericRange>>;

export const BUFFER_RANGES: Record<keyof BufferSettings, NumericRange> = {
  maxAgeSeconds: { min: 1, max: 7 * 86_400, integer: true },
  maxMessages: { min: 1, max: 1_000_000, integer: true },
  maxMemoryMiB: { min: 1, max: 4_096, integer: true },
  idleGraceSeconds: { min: 0, max: 86_400, integer: true },
};

/** Longest client id and username accepted (MQTT allows more; nobody needs more). */
export const MAX_CLIENT_ID_LENGTH = 128;
export const MAX_USERNAME_LENGTH = 1_024;

/** C0 controls and DEL: they break broker logs and client ids, and are never meant. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      return true;
    }
  }
  return false;
}

export type Raw = Record<string, unknown>;

export function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && /^\s*-?\d+(\.\d*)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

export function asObject(value: unknown, name: string, problems: string[]): Raw {
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${name} must be a JSON object (got ${describe(value)})`);
    return {};
  }
  return value as Raw;
}

export function readRanged(raw: Raw, key: string, prefix: string, range: NumericRange, fallback: number, problems: string[]): number {
  const given = raw[key];
  if (isMissing(given)) {
    return fallback;
  }
  const value = readNumber(given);
  const name = `${prefix}.${key}`;
  const error = value === undefined ? `${name} must be a number` : numberRangeError(name, value, range);
  if (error) {
    problems.push(`${error} (got ${describe(given)}); set it from ${range.min} to ${range.max} or clear it to use the default ${fallback}`);
    return fallback;
  }
  return value as number;
}

export function readText(raw: Raw, key: string, prefix: string, maxLength: number, problems: string[]): string | undefined {
  const given = raw[key];
  if (isMissing(given)) {
    return undefined;
  }
  if (typeof given !== 'string') {
    problems.push(`${prefix}.${key} must be text (got ${describe(given)})`);
    return undefined;
  }
  if (given.length > maxLength) {
    problems.push(`${prefix}.${key} must be at most ${maxLength} characters (got ${given.length})`);
    return undefined;
  }
  if (hasControlCharacter(given)) {
    problems.push(`${prefix}.${key} must not contain control characters`);
    return undefined;
  }
  return given;
}

/** Why `url` is not a usable broker URL, or undefined. */
export function brokerUrlError(url: unknown): string | undefined {
  if (isMissing(url)) {
    return 'mqtt.url is required: the broker address, like mqtt://broker:1883 or mqtts://broker:8883';
  }
  if (typeof url !== 'string') {
    return `mqtt.url must be text (got ${describe(url)})`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return `mqtt.url ${describe(url)} is not a URL; write it like mqtt://broker:1883`;
  }
  if (!(MQTT_URL_SCHEMES as readonly string[]).includes(parsed.protocol)) {
    return `mqtt.url must start with ${MQTT_URL_SCHEMES.map((s) => `${s}//`).join(', ')} (got ${describe(parsed.protocol)})`;
  }
  if (parsed.hostname === '') {
    return `mqtt.url ${describe(url)} names no host`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'mqtt.url must not hold a user name or password: use the Username field and the Password (a secure field) instead';
  }
  return undefined;
}

export interface MqttSettingsValidation {
  mqtt: MqttSettings;
  buffer: BufferSettings;
  problems: string[];
}

/**
 * Checks jsonData.mqtt and jsonData.buffer of an MQTT datasource; `secureKeys` lists the
 * secureJsonData keys that are set (the editor knows which are configured, the backend has them).
 */
export function validateMqttSettings(mqttJson: unknown, bufferJson: unknown, secureKeys: Iterable<string> = []): MqttSettingsValidation {
  const problems: string[] = [];
  const raw = asObject(mqttJson, 'mqtt', problems);
  const secure = new Set(secureKeys) as Set<MqttSecureKey | string>;

  const urlError = brokerUrlError(raw.url);
  if (urlError) {
    problems.push(urlError);
  }
  const url = urlError ? DEFAULT_MQTT_SETTINGS.url : (raw.url as string).trim();
  const mqtt: MqttSettings = { ...DEFAULT_MQTT_SETTINGS, url };
  const clientId = readText(raw, 'clientId', 'mqtt', MAX_CLIENT_ID_LENGTH, problems);
  if (clientId !== undefined) {
    mqtt.clientId = clientId;
  }
  const username = readText(raw, 'username', 'mqtt', MAX_USERNAME_LENGTH, problems);
  if (username !== undefined) {
    mqtt.username = username;
  }
  for (const key of Object.keys(MQTT_NUMBER_RANGES) as Array<keyof typeof MQTT_NUMBER_RANGES>) {
    mqtt[key] = readRanged(raw, key, 'mqtt', MQTT_NUMBER_RANGES[key], DEFAULT_MQTT_SETTINGS[key], problems);
  }
  if (mqtt.reconnectMaxMs < mqtt.reconnectMinMs) {
    problems.push(`mqtt.reconnectMaxMs (${mqtt.reconnectMaxMs}) must not be below mqtt.reconnectMinMs (${mqtt.reconnectMinMs})`);
  }
  if (!isMissing(raw.qos)) {
    const qos = readNumber(raw.qos);
    if (qos === 0 || qos === 1 || qos === 2) {
      mqtt.qos = qos;
    } else {
      problems.push(`mqtt.qos must be 0, 1 or 2 (got ${describe(raw.qos)})`);
    }
  }
  if (!isMissing(raw.tlsSkipVerify)) {
    if (typeof raw.tlsSkipVerify === 'boolean') {
      mqtt.tlsSkipVerify = raw.tlsSkipVerify;
    } else {
      problems.push(`mqtt.tlsSkipVerify must be true or false (got ${describe(raw.tlsSkipVerify)})`);
    }
  }
  if (!isMissing(raw.testTopic)) {
    const error = topicFilterError(raw.testTopic);
    if (error) {
      problems.push(`mqtt.testTopic: ${error}`);
    } else {
      mqtt.testTopic = raw.testTopic as string;
    }
  }

  // Secure keys: pairs that only work together, and TLS material on a plain connection.
  if (secure.has('tlsClientCert') && !secure.has('tlsClientKey')) {
    problems.push('a TLS client certificate is set without its private key: set the client key too (secureJsonData.tlsClientKey) or remove the certificate');
  }
  if (secure.has('tlsClientKey') && !secure.has('tlsClientCert')) {
    problems.push('a TLS client key is set without its certificate: set the client certificate too (secureJsonData.tlsClientCert) or remove the key');
  }
  if (secure.has('password') && mqtt.username === undefined) {
    problems.push('a password is set without a username: MQTT sends a password only with a username, so set mqtt.username');
  }
  if (!urlError) {
    const tls = TLS_SCHEMES.has(new URL(url).protocol);
    const tlsKeys = ['tlsCACert', 'tlsClientCert', 'tlsClientKey'].filter((key) => secure.has(key));
    if (!tls && tlsKeys.length > 0) {
      problems.push(`TLS settings (${tlsKeys.join(', ')}) are set but mqtt.url uses a plain connection; use mqtts:// or wss://, or remove them`);
    }
  }

  const bufferRaw = asObject(bufferJson, 'buffer', problems);
  const buffer = { ...DEFAULT_BUFFER_SETTINGS };
  for (const key of Object.keys(BUFFER_RANGES) as Array<keyof BufferSettings>) {
    buffer[key] = readRanged(bufferRaw, key, 'buffer', BUFFER_RANGES[key], DEFAULT_BUFFER_SETTINGS[key], problems);
  }
  return { mqtt, buffer, problems };
}
