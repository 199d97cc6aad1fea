/**
 * Frame -> frame JSON, byte for byte the shape of the Go SDK's `FrameToJSON`:
 * `{"schema":…,"data":…}` with the three include modes, `typeInfo`, times as epoch ms plus `nanos`,
 * NaN/±Inf as null plus `entities`, int64/uint64 digits exact.
 *
 * The document is assembled by hand rather than with one JSON.stringify of a frame object because
 * JSON.stringify cannot take typed arrays (it writes them as {"0":…}), silently turns NaN/±Inf into
 * null without saying where (Grafana needs the `entities` row lists), throws on bigint (int64/uint64
 * columns, nanosecond times), cannot write float32 values in their float32 digits, knows no Go key
 * order, and cannot embed raw JSON cells. It is still used where it is exactly right and fastest:
 * V8's JSON.stringify is its quickest number formatter, so a column of plain numbers (times in ms,
 * clean float64 values, small integers) is copied into a plain array and formatted by it in one call.
 */
import { FrameError } from './errors';
import { FIELD_TYPES } from './field-types';
import { GO_JSON, fieldConfigToGoJSON, goString, labelsToGoJSON, metaToGoJSON } from './go-json';
import type { Field, FrameInclude } from './model';
import { floatEntity, goFloat, goFloat32, int64JSON, needsGoDigits, printsAsGo, type FloatEntity } from './number-format';
import { millisFromNanos } from './time-units';
import { frameRowCount, isNullAt, requireChecked, type CheckedFrame } from './validate';

/** A checked frame (see checkFrame) as frame JSON text. */
export function frameToJSON(frame: CheckedFrame, include: FrameInclude = 'all'): string {
  if (include !== 'all' && include !== 'schema' && include !== 'data') {
    throw new FrameError(`unknown frame JSON include mode ${JSON.stringify(include)} (expected all, schema or data)`);
  }
  requireChecked(frame, 'frameToJSON');
  if (include === 'schema') return `{"schema":${schemaJSON(frame)}}`;
  if (include === 'data') return `{"data":${dataJSON(frame)}}`;
  return `{"schema":${schemaJSON(frame)},"data":${dataJSON(frame)}}`;
}

/** A checked frame (see checkFrame) as frame JSON, UTF-8 encoded. */
export function frameToJSONBytes(frame: CheckedFrame, include: FrameInclude = 'all'): Buffer {
  return Buffer.from(frameToJSON(frame, include), 'utf8');
}

// ---------------------------------------------------------------- schema

function schemaJSON(frame: CheckedFrame): string {
  const parts: string[] = [];
  // Names go through jsoniter's WriteString in Go: no HTML escaping (meta does get it).
  if (frame.name) parts.push(`"name":${JSON.stringify(frame.name)}`);
  if (frame.refId) parts.push(`"refId":${JSON.stringify(frame.refId)}`);
  if (frame.meta) parts.push(`"meta":${metaToGoJSON(frame.meta, GO_JSON)}`);
  parts.push(`"fields":[${frame.fields.map(fieldSchemaJSON).join(',')}]`);
  return `{${parts.join(',')}}`;
}

function fieldSchemaJSON(field: Field): string {
  const info = FIELD_TYPES[field.type];
  let out = '{';
  if (field.name) out += `"name":${JSON.stringify(field.name)},`;
  out += `"type":"${info.tstype}","typeInfo":{"frame":"${info.goType}"${field.nullable ? ',"nullable":true' : ''}}`;
  if (field.labels) out += `,"labels":${labelsToGoJSON(field.labels, false)}`;
  if (field.config) out += `,"config":${fieldConfigToGoJSON(field.config, GO_JSON)}`;
  return `${out}}`;
}

// ---------------------------------------------------------------- data

type EntityLookup = Partial<Record<FloatEntity, number[]>>;

/** What a column writer reports besides its text. */
interface ColumnExtras {
  entities?: EntityLookup;
  nanos?: Float64Array;
}

function dataJSON(frame: CheckedFrame): string {
  const rows = frameRowCount(frame);
  const columns: string[] = new Array(frame.fields.length);
  let entities: (EntityLookup | undefined)[] | undefined;
  let nanos: (Float64Array | undefined)[] | undefined;
  for (let f = 0; f < frame.fields.length; f++) {
    const extras: ColumnExtras = {};
    columns[f] = columnJSON(frame.fields[f], rows, extras);
    if (extras.entities) (entities ??= new Array(frame.fields.length))[f] = extras.entities;
    if (extras.nanos) (nanos ??= new Array(frame.fields.length))[f] = extras.nanos;
  }
  let out = `{"values":[${columns.join(',')}]`;
  if (entities) out += `,"entities":[${Array.from(entities, entityJSON).join(',')}]`;
  if (nanos) out += `,"nanos":[${Array.from(nanos, (n) => (n ? `[${n.join(',')}]` : 'null')).join(',')}]`;
  return `${out}}`;
}

function entityJSON(e: EntityLookup | undefined): string {
  if (!e) return 'null';
  const parts: string[] = [];
  if (e.NaN) parts.push(`"NaN":[${e.NaN.join(',')}]`);
  if (e.Inf) parts.push(`"Inf":[${e.Inf.join(',')}]`);
  if (e.NegInf) parts.push(`"NegInf":[${e.NegInf.join(',')}]`);
  return `{${parts.join(',')}}`;
}

function columnJSON(field: Field, rows: number, extras: ColumnExtras): string {
  const hasNulls = field.nullable === true && (field.valid !== undefined || field.type === 'string' || field.type === 'json');
  switch (field.type) {
    case 'float64':
      return float64Column(field, rows, extras);
    case 'float32':
      return floatColumnSlow(field, rows, extras, goFloat32);
    case 'time':
      return timeColumn(field, rows, extras);
    case 'int64':
    case 'uint64':
      // The native join prints every bigint's exact digits.
      return hasNulls ? genericColumn(field, rows, (v) => int64JSON(v as bigint)) : `[${(field.values as BigInt64Array).join(',')}]`;
    case 'bool':
      return genericColumn(field, rows, (v) => (v ? 'true' : 'false'));
    case 'string':
      // Go writes string cells with WriteVal: HTML characters escaped.
      return genericColumn(field, rows, (v) => goString(v as string, GO_JSON));
    case 'json':
      // Raw JSON is embedded as is; an empty or "null" message is a null, as in the Go SDK.
      return genericColumn(field, rows, (v) => ((v as string).length === 0 || v === 'null' ? 'null' : (v as string)));
    default:
      // int8..int32, uint8..uint32 and enum indexes: plain integers.
      return numbersJSON(field, rows);
  }
}

/** A column of plain finite numbers (nulls allowed) in one JSON.stringify call. */
function numbersJSON(field: Field, rows: number): string {
  const values = field.values as ArrayLike<number>;
  const plain: (number | null)[] = new Array(rows);
  const valid = field.nullable === true ? field.valid : undefined;
  for (let i = 0; i < rows; i++) plain[i] = valid !== undefined && valid[i] === 0 ? null : values[i];
  return JSON.stringify(plain);
}

function genericColumn(field: Field, rows: number, write: (v: unknown) => string): string {
  const values = field.values as ArrayLike<unknown>;
  const nullable = field.nullable === true;
  let out = '[';
  for (let i = 0; i < rows; i++) {
    if (i > 0) out += ',';
    out += nullable && isNullAt(field, i) ? 'null' : write(values[i]);
  }
  return `${out}]`;
}

/**
 * The hot path for streams. NaN/±Inf rows become null (JSON.stringify's own choice) and are listed in
 * `entities`. A value Go writes differently from JS (-0, or |v| < 1e-6 where Go pads the exponent to
 * two digits) sends the column through the per-value writer instead.
 */
function float64Column(field: Field, rows: number, extras: ColumnExtras): string {
  const values = field.values as Float64Array;
  const valid = field.nullable === true ? field.valid : undefined;
  let special = false;
  for (let i = 0; i < rows; i++) {
    if (!printsAsGo(values[i])) {
      special = true;
      break;
    }
  }
  // Array.from gives a packed array of unboxed doubles, the case JSON.stringify formats fastest.
  if (!special && valid === undefined) return JSON.stringify(Array.from(values));
  const plain: (number | null)[] = Array.from(values);
  let entities: EntityLookup | undefined;
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (valid !== undefined && valid[i] === 0) plain[i] = null;
    else if (v - v !== 0) {
      plain[i] = null;
      ((entities ??= {})[floatEntity(v)] ??= []).push(i);
    } else if (needsGoDigits(v)) {
      return floatColumnSlow(field, rows, extras, goFloat);
    }
  }
  if (entities) extras.entities = entities;
  return JSON.stringify(plain);
}

function floatColumnSlow(field: Field, rows: number, extras: ColumnExtras, format: (v: number) => string): string {
  const values = field.values as Float64Array | Float32Array;
  const nullable = field.nullable === true;
  let out = '[';
  for (let i = 0; i < rows; i++) {
    if (i > 0) out += ',';
    out += nullable && isNullAt(field, i) ? 'null' : specialFloat(values[i], i, extras, format);
  }
  return `${out}]`;
}

/** NaN/±Inf are null in values and listed by row in `entities`; other values use `format`. */
function specialFloat(v: number, row: number, extras: ColumnExtras, format: (v: number) => string): string {
  if (v - v === 0) return format(v);
  ((extras.entities ??= {})[floatEntity(v)] ??= []).push(row);
  return 'null';
}

/** Times as epoch ms (integers below 2^53 print as plain digits) plus `nanos` for sub-millisecond rests. */
function timeColumn(field: Field, rows: number, extras: ColumnExtras): string {
  const valid = field.nullable === true ? field.valid : undefined;
  const { millis, nanos } = millisFromNanos(field.values as BigInt64Array, rows, valid);
  if (nanos) extras.nanos = nanos;
  // A packed double array is JSON.stringify's fast case.
  const plain: (number | null)[] = Array.from(millis);
  if (valid !== undefined) for (let i = 0; i < rows; i++) if (valid[i] === 0) plain[i] = null;
  return JSON.stringify(plain);
}
