/**
 * Tributary datasource settings (jsonData): shared by the config editor and the backend, which
 * validates them once per datasource instance.
 */
import type { BufferSettings, MqttSettings } from './mqtt';
import type { NumericRange } from './ranges';
import type { SourceKind } from './sources';
import type { HttpPollSettings, SseSettings, WebSocketSettings } from './webSources';

export interface TributarySettings {
  /** Most series one query may ask for. */
  maxSeries: number;
  /** Smallest sample interval a query may ask for, in milliseconds. */
  minIntervalMs: number;
  /** Most stream packets per second sent on one channel; samples are coalesced to stay under it. */
  maxPacketsPerSecond: number;
}

/**
 * Everything a datasource's jsonData may hold: the numeric settings above plus the source kind and,
 * for message sources, their connection and buffer settings (src/shared/mqtt.ts, src/shared/webSources.ts).
 */
export interface TributaryDatasourceSettings extends TributarySettings {
  /** Missing: `signals` (datasources saved before source kinds existed). */
  sourceKind?: SourceKind;
  mqtt?: Partial<MqttSettings>;
  buffer?: Partial<BufferSettings>;
  websocket?: Partial<WebSocketSettings>;
  sse?: Partial<SseSettings>;
  httpPoll?: Partial<HttpPollSettings>;
}

export const DEFAULT_SETTINGS: TributarySettings = {
  maxSeries: 20,
  minIntervalMs: 10,
  maxPacketsPerSecond: 20,
};

export const SETTINGS_RANGES: Record<keyof TributarySettings, NumericRange> = {
  maxSeries: { min: 1, max: 100, integer: true },
  minIntervalMs: { min: 10, max: 3_600_000, integer: true },
  maxPacketsPerSecond: { min: 1, max: 100, integer: true },
};

export const SETTINGS_DESCRIPTIONS: Record<keyof TributarySettings, string> = {
  maxSeries: 'Most series a single query may request.',
  minIntervalMs: 'Smallest sample interval (ms) a query may request.',
  maxPacketsPerSecond: 'Most packets per second pushed on one live channel; faster samples are batched.',
};
