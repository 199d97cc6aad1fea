/**
 * Validation shared by the editors and the backend: one place decides what a valid query and valid
 * settings are, and both sides report the same message. Pure TypeScript, no runtime `@grafana/*` imports.
 */
import {
  DEFAULT_QUERY,
  QUERY_RANGES,
  SIGNAL_KINDS,
  isSignalKind,
  rangeError,
  type NumericQueryKey,
  type NumericRange,
  type TributaryQuery,
} from './query';
import type { PayloadMapping } from './mapping';
import type { BufferSettings, MqttSettings } from './mqtt';
import { validateMqttSettings } from './mqttValidation';
import { DEFAULT_SETTINGS, SETTINGS_RANGES, type TributarySettings } from './settings';
import { settingRangeError } from './settingsValidation';
import { DEFAULT_SOURCE_KIND, SOURCE_KINDS, isSourceKind } from './sources';
import { topicFilterError } from './topicFilter';
import type { HttpPollSettings, SseSettings, WebSocketSettings } from './webSources';
import { WEB_SETTINGS_KEY, validateWebSettings, validateWebStreamQuery, webStreamText, type WebSourceKind } from './webValidation';

/** Longest alias accepted at all (streaming queries are further bounded by the channel length). */
export const MAX_ALIAS_LENGTH = 100;

/** Most points (rows × series) one QueryData frame carries; keeps a response far below gRPC's 16 MiB. */
export const MAX_POINTS_PER_FRAME = 1_000_000;

export type QueryRangeSet = Record<NumericQueryKey, NumericRange>;

/** The absolute query ranges narrowed by a datasource's settings (max series, min interval). */
export function queryRangesFor(settings: TributarySettings): QueryRangeSet {
  return {
    ...QUERY_RANGES,
    seriesCount: { ...QUERY_RANGES.seriesCount, max: Math.min(QUERY_RANGES.seriesCount.max, settings.maxSeries) },
    sampleIntervalMs: { ...QUERY_RANGES.sampleIntervalMs, min: Math.max(QUERY_RANGES.sampleIntervalMs.min, settings.minIntervalMs) },
  };
}

/** The part of a query the backend acts on, with every default filled in. */
export type NormalizedQuery = Omit<TributaryQuery, 'refId' | 'alias'> & { refId: string; alias: string };

export interface QueryProblem {
  /** The query field at fault (e.g. `sampleIntervalMs`), or `query` for the whole object. */
  field: string;
  message: string;
  /** True when the value is well-formed but beyond this datasource's settings (not the absolute ranges). */
  beyondSettings: boolean;
}

export type QueryValidation = { ok: true; query: NormalizedQuery } | { ok: false; problem: QueryProblem };

const NUMERIC_KEYS = Object.keys(QUERY_RANGES) as NumericQueryKey[];
const NUMBER_TEXT = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number given as a number or as plain numeric text (dashboards written by hand often quote numbers). */
function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) {
    return Number(value);
  }
  return undefined;
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Checks one query model (already JSON-parsed) and fills defaults for missing fields.
 * `settings` narrows the ranges; a value inside the absolute range but outside the settings is
 * reported with `beyondSettings: true` so callers can pick the right status.
 */
export function validateQuery(json: unknown, settings: TributarySettings = DEFAULT_SETTINGS): QueryValidation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problem: { field: 'query', message: 'the query must be a JSON object', beyondSettings: false } };
  }
  const raw = json as Record<string, unknown>;
  const fail = (field: string, message: string, beyondSettings = false): QueryValidation => ({
    ok: false,
    problem: { field, message, beyondSettings },
  });

  const signal = isMissing(raw.signal) ? DEFAULT_QUERY.signal : raw.signal;
  if (!isSignalKind(signal)) {
    return fail('signal', `signal must be one of ${SIGNAL_KINDS.join(', ')} (got ${describe(raw.signal)})`);
  }

  const numbers = {} as Record<NumericQueryKey, number>;
  const narrowed = queryRangesFor(settings);
  // Only our own keys are read: Grafana's bookkeeping (`intervalMs`, `maxDataPoints`, `datasource`, ...)
  // rides along untouched and means nothing here.
  for (const key of NUMERIC_KEYS) {
    const given = raw[key];
    const value = isMissing(given) ? DEFAULT_QUERY[key] : readNumber(given);
    if (value === undefined) {
      return fail(key, `${key} must be a number (got ${describe(given)})`);
    }
    const absolute = rangeError(key, value);
    if (absolute) {
      return fail(key, `${absolute} (got ${describe(given)})`);
    }
    const limited = rangeError(key, value, narrowed[key]);
    if (limited) {
      return fail(key, `${limited}: this datasource's settings allow no more (got ${describe(given)})`, true);
    }
    numbers[key] = value === 0 ? 0 : value; // fold -0 into 0 so equal queries encode equally
  }

  const withStreaming = isMissing(raw.withStreaming) ? DEFAULT_QUERY.withStreaming : raw.withStreaming;
  if (typeof withStreaming !== 'boolean') {
    return fail('withStreaming', `withStreaming must be true or false (got ${describe(raw.withStreaming)})`);
  }

  const alias = isMissing(raw.alias) ? '' : raw.alias;
  if (typeof alias !== 'string') {
    return fail('alias', `alias must be text (got ${describe(raw.alias)})`);
  }
  if (alias.length > MAX_ALIAS_LENGTH) {
    return fail('alias', `alias must be at most ${MAX_ALIAS_LENGTH} characters (got ${alias.length})`);
  }

  const refId = typeof raw.refId === 'string' ? raw.refId : '';
  return {
    ok: true,
    query: { ...raw, refId, signal, ...numbers, withStreaming, alias: alias.trim() } as NormalizedQuery,
  };
}

export interface SettingsValidation {
  /** The settings to use: given values where valid, defaults where missing. */
  settings: TributarySettings;
  /** One fix-it message per bad setting; empty when all is well. */
  problems: string[];
}

const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof TributarySettings>;

/** Checks a datasource's jsonData; missing values take their safe defaults. */
export function validateSettings(jsonData: unknown): SettingsValidation {
  const settings: TributarySettings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  if (jsonData !== undefined && jsonData !== null && (typeof jsonData !== 'object' || Array.isArray(jsonData))) {
    return { settings, problems: ['the datasource settings (jsonData) must be a JSON object'] };
  }
  const raw = (jsonData ?? {}) as Record<string, unknown>;
  for (const key of SETTING_KEYS) {
    const given = raw[key];
    if (isMissing(given)) {
      continue;
    }
    const value = readNumber(given);
    const error = value === undefined ? `${key} must be a number` : settingRangeError(key, value);
    if (error) {
      const range = SETTINGS_RANGES[key];
      problems.push(
        `${error} (got ${describe(given)}); set it to a value from ${range.min} to ${range.max} ` +
          `or clear it to use the default ${DEFAULT_SETTINGS[key]}`,
      );
    } else {
      settings[key] = value as number;
    }
  }
  return { settings, problems };
}

/** Every setting of a datasource with defaults filled in, by source kind (secrets are not here). */
export type EffectiveSettings =
  | (TributarySettings & { sourceKind: 'signals' })
  | (TributarySettings & { sourceKind: 'mqtt'; mqtt: MqttSettings; buffer: BufferSettings })
  | (TributarySettings & { sourceKind: 'websocket'; websocket: WebSocketSettings; buffer: BufferSettings })
  | (TributarySettings & { sourceKind: 'sse'; sse: SseSettings; buffer: BufferSettings })
  | (TributarySettings & { sourceKind: 'http-poll'; httpPoll: HttpPollSettings; buffer: BufferSettings });

/** The settings of a datasource whose data are messages (every kind but the generator). */
export type MessageSourceSettings = Exclude<EffectiveSettings, { sourceKind: 'signals' }>;

export interface DatasourceSettingsValidation {
  settings: EffectiveSettings;
  problems: string[];
}

/**
 * Checks a whole datasource: the numeric settings, the source kind and, for `mqtt`, the connection
 * and buffer settings and which secure keys go together. `secureKeys` are the secureJsonData keys that
 * are set (values are never needed here).
 */
export function validateDatasourceSettings(jsonData: unknown, secureKeys: Iterable<string> = []): DatasourceSettingsValidation {
  const base = validateSettings(jsonData);
  const raw = (typeof jsonData === 'object' && jsonData !== null && !Array.isArray(jsonData) ? jsonData : {}) as Record<string, unknown>;
  const kind = isMissing(raw.sourceKind) ? DEFAULT_SOURCE_KIND : raw.sourceKind;
  if (!isSourceKind(kind)) {
    return {
      settings: { ...base.settings, sourceKind: 'signals' },
      problems: [...base.problems, `sourceKind must be one of ${SOURCE_KINDS.join(', ')} (got ${describe(raw.sourceKind)})`],
    };
  }
  if (kind === 'signals') {
    return { settings: { ...base.settings, sourceKind: 'signals' }, problems: base.problems };
  }
  if (kind !== 'mqtt') {
    const key = WEB_SETTINGS_KEY[kind];
    const web = validateWebSettings(kind, raw[key], raw.buffer, secureKeys);
    return {
      settings: { ...base.settings, sourceKind: kind, [key]: web.settings, buffer: web.buffer } as EffectiveSettings,
      problems: [...base.problems, ...web.problems],
    };
  }
  const mqtt = validateMqttSettings(raw.mqtt, raw.buffer, secureKeys);
  return {
    settings: { ...base.settings, sourceKind: 'mqtt', mqtt: mqtt.mqtt, buffer: mqtt.buffer },
    problems: [...base.problems, ...mqtt.problems],
  };
}

/** A message-source query as the backend acts on it. */
export interface MessageQuery {
  refId: string;
  /**
   * What the query subscribes to: MQTT, the topic filter; web kinds, the stream spec's identity text
   * (`webStreamText`: path, connect message, events, polling request).
   */
  topic: string;
  /** The mapping as given (shape checked by the backend's mapping module). */
  mapping?: PayloadMapping;
  withStreaming: boolean;
  alias: string;
}

export type MessageQueryValidation = { ok: true; query: MessageQuery } | { ok: false; problem: QueryProblem };

/**
 * Checks a message query: its kind's stream fields (MQTT: the topic filter; web kinds:
 * `validateWebStreamQuery`), the streaming toggle, alias and mapping shape.
 */
export function validateMessageQuery(json: unknown, kind: 'mqtt' | WebSourceKind = 'mqtt', settings?: { minIntervalMs?: number }): MessageQueryValidation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problem: { field: 'query', message: 'the query must be a JSON object', beyondSettings: false } };
  }
  const raw = json as Record<string, unknown>;
  const fail = (field: string, message: string): MessageQueryValidation => ({ ok: false, problem: { field, message, beyondSettings: false } });
  let topic: string;
  if (kind === 'mqtt') {
    // Not trimmed: spaces are legal in MQTT topics and part of their name.
    const topicError = topicFilterError(raw.topic ?? '');
    if (topicError) {
      return fail('topic', topicError);
    }
    topic = raw.topic as string;
  } else {
    const web = validateWebStreamQuery(kind, raw, settings);
    if (!web.ok) {
      return { ok: false, problem: web.problem };
    }
    topic = webStreamText(web.spec);
  }
  const withStreaming = isMissing(raw.withStreaming) ? DEFAULT_QUERY.withStreaming : raw.withStreaming;
  if (typeof withStreaming !== 'boolean') {
    return fail('withStreaming', `withStreaming must be true or false (got ${describe(raw.withStreaming)})`);
  }
  const alias = isMissing(raw.alias) ? '' : raw.alias;
  if (typeof alias !== 'string') {
    return fail('alias', `alias must be text (got ${describe(raw.alias)})`);
  }
  if (alias.length > MAX_ALIAS_LENGTH) {
    return fail('alias', `alias must be at most ${MAX_ALIAS_LENGTH} characters (got ${alias.length})`);
  }
  if (!isMissing(raw.mapping) && (typeof raw.mapping !== 'object' || Array.isArray(raw.mapping))) {
    return fail('mapping', `mapping must be a JSON object (got ${describe(raw.mapping)})`);
  }
  return {
    ok: true,
    query: {
      refId: typeof raw.refId === 'string' ? raw.refId : '',
      topic,
      mapping: isMissing(raw.mapping) ? undefined : (raw.mapping as PayloadMapping),
      withStreaming,
      alias: alias.trim(),
    },
  };
}
