/**
 * Rows collected column by column (a time plus named values, nulls where a row has no value), then
 * turned into frame fields with the SDK's builders.
 */
import { field, timesFromMillis, type Field, type FieldConfig } from '@tributary/grafana-backend-sdk/frames';
import type { Scalar } from './decode';
import type { ValueKind } from './series';
import type { Instant } from './time';

export class ColumnTable<K> {
  readonly ms: number[] = [];
  readonly ns: number[] = [];
  private readonly columns = new Map<K, Scalar[]>();
  private hasNanos = false;

  get rows(): number {
    return this.ms.length;
  }

  /** Owners (series) with values in the newest row. */
  private owners = new Set<unknown>();

  /**
   * Starts a row at `t` for `owner`; with `merge`, a newest row at the same time that `owner` has no
   * values in yet is used instead, so series publishing at the same instants share rows (no nulls).
   */
  addRow(t: Instant, owner?: unknown, merge = false): void {
    const last = this.ms.length - 1;
    if (merge && last >= 0 && this.ms[last] === t.ms && this.ns[last] === t.ns && !this.owners.has(owner)) {
      this.owners.add(owner);
      return;
    }
    this.owners = new Set([owner]);
    this.ms.push(t.ms);
    this.ns.push(t.ns);
    if (t.ns !== 0) this.hasNanos = true;
  }

  /** Sets `key` in the newest row. */
  set(key: K, value: Scalar): void {
    let column = this.columns.get(key);
    if (!column) {
      column = [];
      this.columns.set(key, column);
    }
    const row = this.rows - 1;
    while (column.length < row) column.push(null);
    column[row] = value;
  }

  /** The values of `key`, one per row (null where unset). */
  column(key: K): Scalar[] {
    const column = this.columns.get(key) ?? [];
    while (column.length < this.rows) column.push(null);
    return column;
  }

  timeField(name = 'time'): Field<'time'> {
    const values = timesFromMillis(this.ms);
    if (this.hasNanos) for (let i = 0; i < values.length; i++) if (this.ns[i] !== 0) values[i] += BigInt(this.ns[i]);
    return field(name, 'time', values);
  }
}

/** A nullable value field of `kind` (float64 when no value fixed a type). */
export function valueField(name: string, kind: ValueKind | undefined, values: readonly Scalar[], labels: Record<string, string>, config: FieldConfig): Field {
  const n = values.length;
  const opts = { labels, config, nullable: true };
  if (kind === 'string') return field(name, 'string', values.map((v) => (typeof v === 'string' ? v : null)) as string[], opts);
  const valid = new Uint8Array(n);
  let nulls = false;
  if (kind === 'boolean') {
    const column = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'boolean') {
        column[i] = v ? 1 : 0;
        valid[i] = 1;
      } else nulls = true;
    }
    return field(name, 'bool', column, nulls ? { ...opts, valid } : opts);
  }
  const column = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      column[i] = v;
      valid[i] = 1;
    } else nulls = true;
  }
  return field(name, 'float64', column, nulls ? { ...opts, valid } : opts);
}
