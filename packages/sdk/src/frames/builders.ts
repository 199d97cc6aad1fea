/**
 * Convenient typed builders for frames. Typed arrays are used as given (no copy); plain JS arrays are
 * converted once, with `null` entries turning the field nullable.
 */
import { typedArrayTag } from './field-types';
import type { ColumnTypes, Field, FieldConfig, FieldType, Frame, FrameMeta } from './model';
import { timesFromMillis } from './time-units';

export interface FieldOptions {
  labels?: Record<string, string>;
  config?: FieldConfig;
  /** Force the nullable flag (it is set automatically when values contain null or `valid` is given). */
  nullable?: boolean;
  /** Validity per row (0 = null), for typed-array columns that hold nulls. */
  valid?: Uint8Array;
}

/** Any field type from its column, e.g. `field('count', 'int64', new BigInt64Array([1n, 2n]))`. */
export function field<T extends FieldType>(name: string, type: T, values: ColumnTypes[T], options: FieldOptions = {}): Field<T> {
  const result: Field<T> = { name, type, values };
  if (options.nullable || options.valid) result.nullable = true;
  if (options.valid) result.valid = options.valid;
  if (options.labels) result.labels = options.labels;
  if (options.config) result.config = options.config;
  return result;
}

export function frame(parts: { name?: string; refId?: string; meta?: FrameMeta; fields: Field[] }): Frame {
  const result: Frame = { fields: parts.fields };
  if (parts.name !== undefined) result.name = parts.name;
  if (parts.refId !== undefined) result.refId = parts.refId;
  if (parts.meta !== undefined) result.meta = parts.meta;
  return result;
}

/** Nanosecond column from epoch milliseconds, nanoseconds (BigInt64Array) or Date objects. */
export function timeValues(values: BigInt64Array | ArrayLike<number> | readonly Date[]): BigInt64Array {
  if (typedArrayTag(values) === 'BigInt64Array') return values as BigInt64Array;
  if (Array.isArray(values) && values.length > 0 && values[0] instanceof Date) {
    return timesFromMillis((values as readonly Date[]).map((d) => d.getTime()));
  }
  return timesFromMillis(values as ArrayLike<number>);
}

/** A time field: BigInt64Array = nanoseconds; numbers (Float64Array, number[]) = epoch ms; or Dates. */
export function timeField(name: string, values: BigInt64Array | ArrayLike<number> | readonly Date[], options?: FieldOptions): Field<'time'> {
  return field(name, 'time', timeValues(values), options);
}

/**
 * Writes `values` into `column` through `toNumber`; null/undefined rows stay 0 and are marked in the
 * returned validity mask (1 = valid), which exists only when some row is null.
 */
function fillColumn<T>(column: Float64Array | Uint8Array, values: ArrayLike<T | null | undefined>, toNumber: (value: T) => number): Uint8Array | undefined {
  let valid: Uint8Array | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      valid ??= new Uint8Array(values.length).fill(1);
      valid[i] = 0;
    } else column[i] = toNumber(v);
  }
  return valid;
}

/** A float64 field; `null` entries in a plain array make it nullable. */
export function numberField(name: string, values: Float64Array | ArrayLike<number | null>, options: FieldOptions = {}): Field<'float64'> {
  if (typedArrayTag(values) === 'Float64Array') return field(name, 'float64', values as Float64Array, options);
  const column = new Float64Array(values.length);
  const valid = fillColumn(column, values, (v) => v);
  return field(name, 'float64', column, valid ? { ...options, valid } : options);
}

/** A string field; `null` entries make it nullable. */
export function stringField(name: string, values: ReadonlyArray<string | null>, options: FieldOptions = {}): Field<'string'> {
  const hasNull = values.some((v) => v === null || v === undefined);
  return field(name, 'string', values as string[], hasNull ? { ...options, nullable: true } : options);
}

/** A bool field from booleans (null entries make it nullable) or one byte per row. */
export function boolField(name: string, values: Uint8Array | ReadonlyArray<boolean | null>, options: FieldOptions = {}): Field<'bool'> {
  if (typedArrayTag(values) === 'Uint8Array') return field(name, 'bool', values as Uint8Array, options);
  const column = new Uint8Array(values.length);
  const valid = fillColumn(column, values as ReadonlyArray<boolean | null>, (v) => (v ? 1 : 0));
  return field(name, 'bool', column, valid ? { ...options, valid } : options);
}

/** A JSON field from values (each is JSON.stringify'd; null entries make it nullable). */
export function jsonField(name: string, values: readonly unknown[], options: FieldOptions = {}): Field<'json'> {
  const hasNull = values.some((v) => v === null || v === undefined);
  const texts = values.map((v) => (v === null || v === undefined ? null : JSON.stringify(v))) as string[];
  return field(name, 'json', texts, hasNull ? { ...options, nullable: true } : options);
}

/** An enum field: indexes into `text`, which becomes the field config `type.enum.text`. */
export function enumField(name: string, indexes: Uint16Array | ArrayLike<number>, text: readonly string[], options: FieldOptions = {}): Field<'enum'> {
  const column = typedArrayTag(indexes) === 'Uint16Array' ? (indexes as Uint16Array) : Uint16Array.from(indexes as ArrayLike<number>);
  const config: FieldConfig = { ...(options.config ?? {}), type: { enum: { text: [...text] } } };
  return field(name, 'enum', column, { ...options, config });
}
