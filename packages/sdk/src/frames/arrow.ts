/**
 * Frame -> one Arrow IPC *file*, the shape the Go SDK's MarshalArrow writes and Grafana's
 * UnmarshalArrowFrame reads: schema metadata `name`,
 * `refId` (always) and `meta` (when set); field metadata `tstype` (always), `labels` and `config`
 * (when set), keys sorted as the Go SDK's files have them; times as Timestamp(NANOSECOND) without a
 * time zone; strings as plain Utf8 (never dictionary); JSON as Binary; enums as UInt16 + tstype=enum;
 * nullability as the field's nullable flag plus a validity bitmap.
 *
 * Fast path: numeric and time columns are written from the caller's typed arrays with no per-row work
 * (only bool columns and validity arrays are packed into bitmaps).
 */
import { EMPTY_BUFFER, writeIpcFile, type IpcColumn, type IpcField, type IpcType } from './arrow-ipc';
import { FIELD_TYPES } from './field-types';
import { GO_JSON, fieldConfigToGoJSON, labelsToGoJSON, metaToGoJSON } from './go-json';
import type { Field, FieldType } from './model';
import { frameRowCount, isNullAt, requireChecked, type CheckedFrame } from './validate';

const IPC_TYPES: Record<FieldType, IpcType> = {
  int8: { kind: 'int', bitWidth: 8, signed: true },
  int16: { kind: 'int', bitWidth: 16, signed: true },
  int32: { kind: 'int', bitWidth: 32, signed: true },
  int64: { kind: 'int', bitWidth: 64, signed: true },
  uint8: { kind: 'int', bitWidth: 8, signed: false },
  uint16: { kind: 'int', bitWidth: 16, signed: false },
  uint32: { kind: 'int', bitWidth: 32, signed: false },
  uint64: { kind: 'int', bitWidth: 64, signed: false },
  float32: { kind: 'float', precision: 'single' },
  float64: { kind: 'float', precision: 'double' },
  string: { kind: 'utf8' },
  bool: { kind: 'bool' },
  // Go reads every TIMESTAMP as nanoseconds whatever its unit.
  time: { kind: 'timestamp-ns' },
  json: { kind: 'binary' },
  // Enums are UInt16 marked by tstype=enum in the field metadata.
  enum: { kind: 'int', bitWidth: 16, signed: false },
};

/** Encodes a checked frame (see checkFrame) as one Arrow IPC file. */
export function frameToArrow(frame: CheckedFrame): Uint8Array {
  requireChecked(frame, 'frameToArrow');
  const rows = frameRowCount(frame);
  const metadata: [string, string][] = [];
  if (frame.meta) metadata.push(['meta', metaToGoJSON(frame.meta, GO_JSON)]);
  metadata.push(['name', frame.name ?? ''], ['refId', frame.refId ?? '']);
  const fields = frame.fields.map(ipcField);
  // The encoded schema is cached under everything it contains.
  const schemaKey = schemaKeyOf(metadata, frame.fields, fields);
  const columns = frame.fields.map((field) => ipcColumn(field, rows));
  return writeIpcFile({ fields, metadata }, schemaKey, rows, columns);
}

/**
 * A text that differs whenever the schema would: every string JSON-quoted (so self-delimiting), the
 * frame field type (which decides the Arrow type), nullability. Built flat: this runs for every frame.
 */
function schemaKeyOf(metadata: [string, string][], fields: readonly Field[], ipcFields: IpcField[]): string {
  let key = pairsKey(metadata);
  for (let i = 0; i < ipcFields.length; i++) {
    const f = ipcFields[i];
    key += `${JSON.stringify(f.name)}${fields[i].type}${f.nullable ? '?' : '!'}${pairsKey(f.metadata)}`;
  }
  return key;
}

function pairsKey(pairs: [string, string][]): string {
  let key = '{';
  for (const [k, v] of pairs) key += JSON.stringify(k) + JSON.stringify(v);
  return key + '}';
}

function ipcField(field: Field): IpcField {
  const metadata: [string, string][] = [];
  if (field.config) metadata.push(['config', fieldConfigToGoJSON(field.config, GO_JSON)]);
  if (field.labels) metadata.push(['labels', labelsToGoJSON(field.labels, true)]);
  metadata.push(['tstype', FIELD_TYPES[field.type].tstype]);
  return { name: field.name, type: IPC_TYPES[field.type], nullable: field.nullable === true, metadata };
}

function ipcColumn(field: Field, rows: number): IpcColumn {
  const { validity, nullCount } = validityBitmap(field, rows);
  if (field.type === 'string' || field.type === 'json') {
    const { offsets, data } = utf8Column(field, rows);
    return { length: rows, nullCount, validity, offsets, data };
  }
  const data = field.type === 'bool' ? packBits(field.values as Uint8Array, rows) : (field.values as ArrayBufferView);
  return { length: rows, nullCount, validity, data };
}

/** Variable-width column: int32 offsets plus the UTF-8 bytes of every non-null row. */
function utf8Column(field: Field, rows: number): { offsets: Int32Array; data: Uint8Array } {
  const values = field.values as string[];
  const offsets = new Int32Array(rows + 1);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    if (!isNullAt(field, i)) total += Buffer.byteLength(values[i], 'utf8');
    offsets[i + 1] = total;
  }
  if (total > 0x7fffffff) throw new RangeError(`field "${field.name}": more than 2 GiB of text in one column`);
  const data = Buffer.allocUnsafe(total);
  for (let i = 0; i < rows; i++) if (offsets[i + 1] > offsets[i]) data.write(values[i], offsets[i], 'utf8');
  return { offsets, data };
}

function validityBitmap(field: Field, rows: number): { validity: Uint8Array; nullCount: number } {
  if (!field.nullable) return { validity: EMPTY_BUFFER, nullCount: 0 };
  const bitmap = new Uint8Array((rows + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    if (isNullAt(field, i)) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return nulls === 0 ? { validity: EMPTY_BUFFER, nullCount: 0 } : { validity: bitmap, nullCount: nulls };
}

function packBits(bytes: Uint8Array, rows: number): Uint8Array {
  const bits = new Uint8Array((rows + 7) >> 3);
  for (let i = 0; i < rows; i++) if (bytes[i] !== 0) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}
