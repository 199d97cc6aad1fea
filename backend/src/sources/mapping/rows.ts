/**
 * Message → row, shared by the history and stream mappers: decode, pick the series, pick the time,
 * and write the row's values into a column table with the field types enforced.
 */
import type { RawMessage } from '../contracts';
import type { CompiledMapping } from './compile';
import { decodePayload, REJECT_REASONS, type DecodedPayload, type RejectReason } from './decode';
import { notifyOnce, typedValue, type Series, type SeriesField, type SeriesRegistry } from './series';
import type { ColumnTable } from './table';
import { compareInstants, instantFromMillis, nextInstant, type Instant } from './time';

export interface Row {
  series: Series;
  time: Instant;
  seq: number;
  decoded: DecodedPayload;
  /** The payload time was missing or unreadable; `time` is the arrival time. */
  timeFallback: boolean;
}

export type RejectCounts = Record<RejectReason, number>;

export const emptyRejectCounts = (): RejectCounts => Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as RejectCounts;

/** The row of `message`, or undefined when it was rejected (counted in `rejected`) or its series is over the limit. */
export function toRow(message: RawMessage, mapping: CompiledMapping, registry: SeriesRegistry, rejected: RejectCounts): Row | undefined {
  const decoded = decodePayload(message.payload, message.topic, mapping);
  if (typeof decoded === 'string') {
    rejected[decoded]++;
    return undefined;
  }
  const series = registry.get(message.topic);
  if (!series) return undefined;
  const timeFallback = decoded.time === null;
  const time = decoded.time ?? instantFromMillis(message.receivedAtMs);
  return { series, time, seq: message.seq, decoded, timeFallback };
}

/** Oldest first, ties in arrival (seq) order. */
export function byTimeThenSeq(a: Row, b: Row): number {
  return compareInstants(a.time, b.time) || a.seq - b.seq;
}

/**
 * Makes `row.time` later than its series' newest row (a tie moves it 1 ns later, so no message is
 * lost and the series stays strictly increasing) and records it as the newest.
 * Returns false, changing nothing, when the row is older than the newest row's own time (before any
 * 1 ns move: a third message in the same millisecond is a tie, not older).
 */
export function advanceSeries(row: Row, dropOlder: boolean): boolean {
  const { last, lastSource } = row.series;
  const source = row.time;
  if (last) {
    if (dropOlder && lastSource && compareInstants(source, lastSource) < 0) return false;
    if (compareInstants(row.time, last) <= 0) row.time = nextInstant(last);
  }
  row.series.last = row.time;
  row.series.lastSource = lastSource && compareInstants(source, lastSource) < 0 ? lastSource : source;
  return true;
}

/**
 * Writes the row's values into the newest row of `table` (under `keyOf(field)`). Returns true when
 * the series got a new field or a new notice, i.e. the schema the user sees changed.
 */
export function writeRow<K>(row: Row, registry: SeriesRegistry, table: ColumnTable<K>, keyOf: (series: Series, field: SeriesField) => K): boolean {
  const { series, decoded } = row;
  let changed = false;
  if (decoded.truncated) changed = notifyOnce(series, 'payload-fields', `payloads of "${series.topic}" have more than ${decoded.names.length} leaves; the rest are dropped`) || changed;
  for (let i = 0; i < decoded.names.length; i++) {
    const before = series.fields.length;
    const notices = series.notices.length;
    const field = registry.field(series, decoded.names[i]);
    if (series.fields.length !== before || series.notices.length !== notices) changed = true;
    if (!field) continue;
    const untyped = field.kind === undefined;
    const [value, noticed] = typedValue(series, field, decoded.values[i]);
    // An all-null field is written as float64; its first string or boolean changes its type.
    if (noticed || (untyped && field.kind !== undefined && field.kind !== 'number')) changed = true;
    table.set(keyOf(series, field), value);
  }
  return changed;
}
