/**
 * Per field type: the column class we accept, the frontend type (`tstype`) and the Go SDK's item type
 * name used in frame JSON `typeInfo.frame`.
 */
import type { FieldType } from './model';

type TypedArrayClass =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

export interface FieldTypeInfo {
  /** The typed array class of the column, or `Array` for string[] columns. */
  column: TypedArrayClass | ArrayConstructor;
  /** Grafana's frontend field type, also the Arrow `tstype` metadata. */
  tstype: 'number' | 'string' | 'boolean' | 'time' | 'other' | 'enum';
  /** The Go SDK item type name (non-null variant). */
  goType: string;
}

export const FIELD_TYPES: Readonly<Record<FieldType, FieldTypeInfo>> = {
  int8: { column: Int8Array, tstype: 'number', goType: 'int8' },
  int16: { column: Int16Array, tstype: 'number', goType: 'int16' },
  int32: { column: Int32Array, tstype: 'number', goType: 'int32' },
  int64: { column: BigInt64Array, tstype: 'number', goType: 'int64' },
  uint8: { column: Uint8Array, tstype: 'number', goType: 'uint8' },
  uint16: { column: Uint16Array, tstype: 'number', goType: 'uint16' },
  uint32: { column: Uint32Array, tstype: 'number', goType: 'uint32' },
  uint64: { column: BigUint64Array, tstype: 'number', goType: 'uint64' },
  float32: { column: Float32Array, tstype: 'number', goType: 'float32' },
  float64: { column: Float64Array, tstype: 'number', goType: 'float64' },
  string: { column: Array, tstype: 'string', goType: 'string' },
  bool: { column: Uint8Array, tstype: 'boolean', goType: 'bool' },
  time: { column: BigInt64Array, tstype: 'time', goType: 'time.Time' },
  json: { column: Array, tstype: 'other', goType: 'json.RawMessage' },
  enum: { column: Uint16Array, tstype: 'enum', goType: 'enum' },
};

export function isFieldType(t: unknown): t is FieldType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(FIELD_TYPES, t);
}

/** The typed array class name of v (by tag, so arrays from another realm such as a Buffer still match). */
export function typedArrayTag(v: unknown): string | undefined {
  return ArrayBuffer.isView(v) ? (v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : undefined;
}
