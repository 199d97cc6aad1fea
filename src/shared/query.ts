/**
 * The Tributary query model: the one definition shared by the frontend (query editor, DataSource)
 * and the Node backend (QueryData, stream path codec). Keep this file free of runtime imports from
 * `@grafana/*` so the backend bundle stays small; type-only imports are fine.
 */
import type { DataQuery } from '@grafana/schema';
import type { PayloadMapping } from './mapping';
import type { HttpPollStreamSpec, SseStreamSpec, WebSocketStreamSpec } from './webSources';
import { numberRangeError, type NumericRange } from './ranges';

export type { NumericRange } from './ranges';

/** Signal generators the backend knows. */
export const SIGNAL_KINDS = ['random-walk', 'sine', 'square', 'sawtooth', 'counter'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export interface TributaryQuery extends DataQuery {
  /** Which generator produces the values. */
  signal: SignalKind;
  /** Number of series (value fields) in the frame, 1..maxSeries. */
  seriesCount: number;
  /**
   * Time between two samples, in milliseconds. Not called `intervalMs` on purpose: Grafana's
   * DataSourceWithBackend overwrites every query's `intervalMs` with the panel's interval before
   * sending it, and alerting stores its own, so that name belongs to Grafana.
   */
  sampleIntervalMs: number;
  /** Peak deviation from `offset` (random walk: the step scale). */
  amplitude: number;
  /** Centre line of the signal. */
  offset: number;
  /** Period of the periodic signals (sine, square, sawtooth), in milliseconds. */
  periodMs: number;
  /** The "With Streaming" toggle: when on, the response carries a Live channel. */
  withStreaming: boolean;
  /** Optional legend prefix; template variables are applied to it. */
  alias?: string;
  /** Message sources (MQTT): the topic filter, `+` and `#` wildcards allowed; template variables are applied. */
  topic?: string;
  /** Message sources: how payloads become rows (shared by every message source kind). */
  mapping?: PayloadMapping;
  /** Web sources: path (and query string) under the datasource URL; template variables are applied. */
  path?: string;
  /** WebSocket: sent after every (re)connect instead of the datasource's; template variables are applied. */
  connectMessage?: WebSocketStreamSpec['connectMessage'];
  /** SSE: event names kept instead of the datasource's list; template variables are applied. */
  events?: SseStreamSpec['events'];
  /** HTTP polling: request overrides (the body's template variables are applied). */
  method?: HttpPollStreamSpec['method'];
  body?: string;
  rowsPath?: string;
  /**
   * HTTP polling: the poll interval, ms. Not `intervalMs`, for the reason given at `sampleIntervalMs`:
   * Grafana overwrites every query's `intervalMs` with the panel's interval before sending it.
   */
  pollIntervalMs?: number;
}

/** The part of a query that defines the signal (everything but Grafana's own bookkeeping). */
export type SignalParams = Pick<
  TributaryQuery,
  'signal' | 'seriesCount' | 'sampleIntervalMs' | 'amplitude' | 'offset' | 'periodMs'
>;

/** Absolute ranges for numeric query parameters; a datasource may narrow them through its settings. */
export const QUERY_RANGES = {
  seriesCount: { min: 1, max: 100, integer: true },
  sampleIntervalMs: { min: 10, max: 3_600_000, integer: true },
  amplitude: { min: 0, max: 1e9 },
  offset: { min: -1e9, max: 1e9 },
  periodMs: { min: 100, max: 86_400_000, integer: true },
} satisfies Record<string, NumericRange>;

export type NumericQueryKey = keyof typeof QUERY_RANGES;

/** Defaults chosen to give a lively graph at a glance: a 1 s sine on 3 series at 100 ms. */
export const DEFAULT_QUERY: Omit<TributaryQuery, 'refId'> = {
  signal: 'sine',
  seriesCount: 3,
  sampleIntervalMs: 100,
  amplitude: 10,
  offset: 0,
  periodMs: 10_000,
  withStreaming: true,
};

export interface SignalInfo {
  kind: SignalKind;
  label: string;
  description: string;
  /** Whether `periodMs` affects this signal. */
  periodic: boolean;
}

export const SIGNALS: readonly SignalInfo[] = [
  { kind: 'random-walk', label: 'Random walk', description: 'Brownian motion around the offset; steps scale with amplitude', periodic: false },
  { kind: 'sine', label: 'Sine', description: 'Smooth wave of the given period and amplitude', periodic: true },
  { kind: 'square', label: 'Square', description: 'Alternates between offset ± amplitude every half period', periodic: true },
  { kind: 'sawtooth', label: 'Sawtooth', description: 'Ramps from offset − amplitude to offset + amplitude each period', periodic: true },
  { kind: 'counter', label: 'Counter', description: 'Monotonic counter: offset + amplitude × series number × samples since the epoch', periodic: false },
];

export function isSignalKind(value: unknown): value is SignalKind {
  return typeof value === 'string' && (SIGNAL_KINDS as readonly string[]).includes(value);
}

/** Why a numeric value is outside its range, or undefined when it is fine. */
export function rangeError(key: NumericQueryKey, value: number, range: NumericRange = QUERY_RANGES[key]): string | undefined {
  return numberRangeError(key, value, range);
}
