/**
 * MQTT source settings (the datasource's jsonData.mqtt and secureJsonData keys) and the buffer
 * settings every message source shares (jsonData.buffer). Shared by the config editor, provisioning
 * docs and the backend, which validates them once per settings version.
 */

import type { NumericRange } from './ranges';

/** jsonData.mqtt */
export interface MqttSettings {
  /** `mqtt://host:1883`, `mqtts://host:8883`, `ws://host/mqtt` or `wss://…`. */
  url: string;
  /** Empty: a client id unique to this backend process (`tributary-<hostname>-<pid>-<random>`), so replicas never kick each other off. */
  clientId?: string;
  username?: string;
  /** Seconds between keepalive pings. */
  keepaliveSeconds: number;
  /** QoS of every subscription. */
  qos: 0 | 1 | 2;
  /** Reconnect backoff: first delay and cap, ms (doubled per failed attempt, with jitter). */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Connect timeout, ms. */
  connectTimeoutMs: number;
  /** Verify the broker's certificate against `tlsCACert` (or the system CAs). */
  tlsSkipVerify: boolean;
  /** Topic Save & test subscribes to; empty: the topic filters of recent queries, if any. */
  testTopic?: string;
}

/** secureJsonData keys of an MQTT datasource (never logged, never sent back to the browser). */
export const MQTT_SECURE_KEYS = ['password', 'tlsCACert', 'tlsClientCert', 'tlsClientKey'] as const;
export type MqttSecureKey = (typeof MQTT_SECURE_KEYS)[number];

export const DEFAULT_MQTT_SETTINGS: MqttSettings = {
  url: 'mqtt://localhost:1883',
  keepaliveSeconds: 30,
  qos: 0,
  reconnectMinMs: 250,
  // The stream resumes at most this long after the broker is back: kept short on purpose.
  reconnectMaxMs: 2_000,
  connectTimeoutMs: 5_000,
  tlsSkipVerify: false,
};

/** jsonData.buffer: the history each subscription keeps for QueryData (panels fill on load and refresh). */
export interface BufferSettings {
  /** Oldest message age kept, seconds. */
  maxAgeSeconds: number;
  /** Most messages kept per subscription (topic filter). */
  maxMessages: number;
  /** Most payload bytes kept across every subscription of one datasource, MiB. Oldest go first. */
  maxMemoryMiB: number;
  /** How long a subscription nobody uses stays (keeping its buffer warm across a dashboard refresh), seconds. */
  idleGraceSeconds: number;
}

export const DEFAULT_BUFFER_SETTINGS: BufferSettings = {
  maxAgeSeconds: 3_600,
  maxMessages: 100_000,
  maxMemoryMiB: 64,
  idleGraceSeconds: 300,
};

/**
 * Allowed ranges of the numeric MQTT settings, shared by the config editor (inline errors) and the
 * backend's settings check, so both give the same message.
 */
export const MQTT_SETTINGS_RANGES = {
  // MQTT encodes keepalive as 16 bits; 0 turns pings off.
  keepaliveSeconds: { min: 0, max: 65_535, integer: true },
  qos: { min: 0, max: 2, integer: true },
  reconnectMinMs: { min: 10, max: 60_000, integer: true },
  reconnectMaxMs: { min: 100, max: 600_000, integer: true },
  connectTimeoutMs: { min: 100, max: 120_000, integer: true },
} satisfies Record<string, NumericRange>;

export type MqttNumericKey = keyof typeof MQTT_SETTINGS_RANGES;

/** Allowed ranges of the buffer settings (see BufferSettings). */
export const BUFFER_SETTINGS_RANGES = {
  maxAgeSeconds: { min: 1, max: 7 * 86_400, integer: true },
  maxMessages: { min: 1, max: 10_000_000, integer: true },
  maxMemoryMiB: { min: 1, max: 4_096, integer: true },
  idleGraceSeconds: { min: 0, max: 86_400, integer: true },
} satisfies Record<keyof BufferSettings, NumericRange>;

/** URL schemes a broker URL may use. */
export const MQTT_URL_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;
