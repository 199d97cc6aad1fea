/**
 * Arrow IPC file -> Frame, reading the way the Go SDK's UnmarshalArrowFrame does: Timestamp of any
 * unit counts as nanoseconds, UInt16 with `tstype=enum` is an enum, Binary is JSON, the nullable flag
 * decides nullability, and anything else (dictionary, large types, lists, ...) is refused.
 * Used by the conformance tests and by plugin authors who need to read frames (e.g. from another
 * plugin or a recorded response).
 */
import { DataType, Precision, Type, tableFromIPC, type Vector } from 'apache-arrow';
import { FrameError } from './errors';
import type { ColumnTypes, Field, FieldConfig, FieldType, Frame, FrameMeta } from './model';
import { checkFrame, type CheckedFrame } from './validate';

const COLUMN_CLASSES = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
  enum: Uint16Array,
  time: BigInt64Array,
} as const;

/** Reads one Arrow IPC file into a checked frame; FrameError for bytes that are not one Grafana can read. */
export function frameFromArrow(bytes: Uint8Array): CheckedFrame {
  let table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new FrameError(`not an Arrow IPC file: ${(err as Error).message}`);
  }
  const md = table.schema.metadata;
  const frame: Frame = { name: md.get('name') ?? '', refId: md.get('refId') ?? '', fields: [] };
  const meta = md.get('meta');
  if (meta !== undefined) frame.meta = parseJSON(meta, 'schema metadata "meta"') as FrameMeta;
  table.schema.fields.forEach((arrowField, index) => {
    const where = `field ${index} ("${arrowField.name}")`;
    const type = fieldTypeOf(arrowField.type, arrowField.metadata.get('tstype'), where);
    const vector = table.getChildAt(index) as Vector;
    const field = readColumn(arrowField.name, type, vector, table.numRows);
    if (arrowField.nullable) {
      field.nullable = true;
      if (vector.nullCount > 0) {
        const valid = new Uint8Array(table.numRows);
        for (let i = 0; i < valid.length; i++) valid[i] = vector.isValid(i) ? 1 : 0;
        field.valid = valid;
      }
    }
    const labels = arrowField.metadata.get('labels');
    if (labels !== undefined) field.labels = parseJSON(labels, `${where} labels`) as Record<string, string>;
    const config = arrowField.metadata.get('config');
    if (config !== undefined) field.config = parseJSON(config, `${where} config`) as FieldConfig;
    frame.fields.push(field);
  });
  // Arrow guarantees the shape but not the content (a Binary cell need not be JSON): checked like any frame.
  return checkFrame(frame);
}

function fieldTypeOf(type: DataType, tstype: string | undefined, where: string): FieldType {
  if (DataType.isInt(type)) {
    const kind = `${type.isSigned ? 'int' : 'uint'}${type.bitWidth}` as FieldType;
    return kind === 'uint16' && tstype === 'enum' ? 'enum' : kind;
  }
  if (DataType.isFloat(type)) {
    if (type.precision === Precision.SINGLE) return 'float32';
    if (type.precision === Precision.DOUBLE) return 'float64';
  }
  switch (type.typeId) {
    case Type.Timestamp:
      return 'time';
    case Type.Utf8:
      return 'string';
    case Type.Bool:
      return 'bool';
    case Type.Binary:
      return 'json';
    default:
      throw new FrameError(`${where}: unsupported Arrow type ${String(type)} (Grafana reads only Utf8, ints, floats, Bool, Timestamp and Binary)`);
  }
}

function readColumn(name: string, type: FieldType, vector: Vector, rows: number): Field {
  if (type === 'string' || type === 'json' || type === 'bool') {
    const decoder = new TextDecoder();
    const out: unknown[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = vector.get(i);
      if (type === 'bool') out[i] = v ? 1 : 0;
      else if (v === null) out[i] = type === 'json' ? '' : null;
      else out[i] = type === 'json' ? decoder.decode(v as Uint8Array) : v;
    }
    const values = type === 'bool' ? Uint8Array.from(out as number[]) : out;
    return { name, type, values } as Field;
  }
  const ColumnClass = COLUMN_CLASSES[type as keyof typeof COLUMN_CLASSES];
  const values = new ColumnClass(rows);
  let offset = 0;
  for (const chunk of vector.data) {
    // A chunk's values buffer may start before its first row (sliced data): copy just its rows.
    const chunkValues = (chunk.values as ArrayLike<number | bigint>) ?? [];
    (values as ColumnTypes['int32']).set((chunkValues as Int32Array).subarray(chunk.offset, chunk.offset + chunk.length), offset);
    offset += chunk.length;
  }
  return { name, type, values } as Field;
}

function parseJSON(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FrameError(`${what} is not valid JSON: ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`);
  }
}
