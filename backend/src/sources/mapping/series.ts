/**
 * The series of one query or stream: one per concrete topic, with its labels, its fields in the order
 * they first appeared, each field's value type, and the notices the user should see about it.
 * Shared by the history mapper and the stream mapper so both name, type and report the same way.
 */
import type { Notice } from '@tributary/grafana-backend-sdk/frames';
import { MAPPING_LIMITS } from '../../../../src/shared/mapping';
import { renderAlias } from './alias';
import type { CompiledMapping } from './compile';
import type { Scalar } from './decode';
import type { Instant } from './time';

export type ValueKind = 'number' | 'string' | 'boolean';

export interface SeriesField {
  readonly name: string;
  /** Unset until the first non-null value; an all-null field is written as float64. */
  kind: ValueKind | undefined;
  readonly displayName: string;
}

export interface Series {
  readonly index: number;
  readonly topic: string;
  /** `topic` plus the topic pattern's labels. */
  readonly labels: Readonly<Record<string, string>>;
  readonly fields: SeriesField[];
  readonly byName: Map<string, SeriesField>;
  /** Time of the newest row. */
  last: Instant | undefined;
  /** The time `last` came from, before any 1 ns move (what a later row is judged older against). */
  lastSource: Instant | undefined;
  readonly notices: Notice[];
  readonly noticed: Set<string>;
  /** Rows whose payload time was missing or unreadable (arrival time used). */
  timeFallbacks: number;
  /** Rows older than `last` dropped by the stream mapper. */
  outOfOrder: number;
}

export function kindOf(v: Scalar): ValueKind | undefined {
  if (v === null) return undefined;
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'boolean';
}

export class SeriesRegistry {
  readonly list: Series[] = [];
  private readonly byTopic = new Map<string, Series>();
  /** Messages whose topic would have been a series beyond MAPPING_LIMITS.maxSeries. */
  overflow = 0;

  constructor(private readonly mapping: CompiledMapping) {}

  /** The series of `topic`, created on first use; undefined once maxSeries series exist. */
  get(topic: string): Series | undefined {
    let series = this.byTopic.get(topic);
    if (series) return series;
    if (this.list.length >= MAPPING_LIMITS.maxSeries) {
      this.overflow++;
      return undefined;
    }
    const labels = { topic, ...(this.mapping.pattern?.match(topic) ?? {}) };
    series = { index: this.list.length, topic, labels, fields: [], byName: new Map(), last: undefined, lastSource: undefined, notices: [], noticed: new Set(), timeFallbacks: 0, outOfOrder: 0 };
    this.list.push(series);
    this.byTopic.set(topic, series);
    return series;
  }

  /** The field `name` of `series`, created on first use; undefined (and noticed once) beyond the field limit. */
  field(series: Series, name: string): SeriesField | undefined {
    let f = series.byName.get(name);
    if (f) return f;
    if (series.fields.length >= MAPPING_LIMITS.maxFieldsPerSeries) {
      notifyOnce(series, 'field-limit', `"${series.topic}" has more than ${MAPPING_LIMITS.maxFieldsPerSeries} fields; further fields are dropped (list the fields you need, or fewer)`);
      return undefined;
    }
    const displayName = renderAlias(this.mapping.alias, { topic: series.topic, field: name, labels: series.labels });
    f = { name, kind: undefined, displayName };
    series.byName.set(name, f);
    series.fields.push(f);
    return f;
  }
}

export function notifyOnce(series: Series, key: string, text: string): boolean {
  if (series.noticed.has(key)) return false;
  series.noticed.add(key);
  series.notices.push({ severity: 'warning', text });
  return true;
}

/**
 * `value` as the field's type allows: the first non-null value fixes the type; a value of another
 * type becomes null and the change is noticed once per field of a series.
 * Returns [value to store, whether a new notice was added].
 */
export function typedValue(series: Series, field: SeriesField, value: Scalar): [Scalar, boolean] {
  const kind = kindOf(value);
  if (kind === undefined) return [null, false];
  if (field.kind === undefined) {
    field.kind = kind;
    return [value, false];
  }
  if (field.kind === kind) return [value, false];
  const added = notifyOnce(series, `type:${field.name}`, `field "${field.name}" of "${series.topic}" changed type from ${field.kind} to ${kind}; its ${kind} values are shown as null`);
  return [null, added];
}
