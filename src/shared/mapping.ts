/**
 * How a message payload becomes frame rows: shared by every message source (MQTT today; WebSocket,
 * SSE and HTTP polling reuse it) and by both sides (the query editor edits it, the backend applies it).
 *
 * One message → one row per series. A series is one concrete topic (or stream) plus the labels taken
 * from it; its fields are the payload's values under their dotted paths (`sensor.temp`, `tags[0]`).
 */

export const PAYLOAD_FORMATS = ['json', 'number', 'text'] as const;
/** `json`: parse and flatten; `number`: the whole payload is one number; `text`: the payload as a string. */
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

export const TIME_SOURCES = ['arrival', 'payload'] as const;
/** `arrival`: when the backend received the message; `payload`: a field of the payload. */
export type TimeSource = (typeof TIME_SOURCES)[number];

export const TIME_FORMATS = ['auto', 'epoch-s', 'epoch-ms', 'epoch-us', 'epoch-ns', 'iso8601'] as const;
/**
 * How the payload time field is read. `auto`: strings are ISO-8601 / RFC 3339; numbers are seconds,
 * milliseconds, microseconds or nanoseconds by magnitude (see docs/sources.md for the cut-offs).
 */
export type TimeFormat = (typeof TIME_FORMATS)[number];

export interface PayloadMapping {
  format: PayloadFormat;
  /**
   * JSON only: the field paths to keep, in order (`a.b`, `list[2].x`). Empty or missing: every leaf
   * is kept, nested objects flattened to dotted names, up to `MAPPING_LIMITS`.
   */
  fields?: string[];
  timeSource: TimeSource;
  /** Path of the time field when `timeSource` is `payload`, e.g. `ts` or `meta.time`. */
  timeField?: string;
  timeFormat?: TimeFormat;
  /**
   * Topic segments as labels: `sensors/{device}/temperature` gives label `device` from the second
   * segment; `{name...}` at the end takes the rest (`site/{path...}`). Topics that do not match get no labels.
   */
  topicPattern?: string;
  /**
   * Display name of each series' fields: `{{topic}}`, `{{field}}` and `{{<label>}}` (a `topicPattern`
   * label) are replaced, other text is kept as written. Empty: see docs/sources.md "Series names".
   */
  alias?: string;
}

export const DEFAULT_MAPPING: PayloadMapping = { format: 'json', timeSource: 'arrival', timeFormat: 'auto' };

/** Hard limits of the mapping (documented in docs/sources.md); beyond them values are dropped and counted, never a crash. */
export const MAPPING_LIMITS = {
  /** Deepest nesting flattened; deeper values are kept as JSON text in the field at this depth. */
  maxDepth: 8,
  /** Most fields one series may have; later new fields are dropped with a frame notice. */
  maxFieldsPerSeries: 256,
  /** Most explicit `fields` entries in a query. */
  maxExplicitFields: 64,
  /** Longest field path accepted in a query, characters. */
  maxPathLength: 256,
  /** Largest payload mapped, bytes; larger ones are rejected (reason `oversize`) and counted. */
  maxPayloadBytes: 1024 * 1024,
  /** Most series (concrete topics) one query or stream maps; messages of further topics are dropped with a notice. */
  maxSeries: 500,
  /**
   * Most value columns of one live channel's frame (all series' fields together; every packet carries
   * each column). Further fields are left out of the stream with a notice; QueryData still has them.
   */
  maxChannelColumns: 1000,
} as const;
