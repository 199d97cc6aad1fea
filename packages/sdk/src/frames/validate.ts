/**
 * Checks a frame before it is encoded, so a bad frame is a clear FrameError naming the field,
 * never corrupt Arrow bytes or JSON that Grafana rejects. `checkFrame` is the only way to a
 * CheckedFrame, and the encoders take nothing else: a frame is checked once and never encoded unchecked.
 */
import { FrameError } from './errors';
import { FIELD_TYPES, isFieldType, typedArrayTag } from './field-types';
import type { Field, Frame, FrameMeta } from './model';

declare const CHECKED: unique symbol;

/**
 * A frame that passed `checkFrame`, the only input the encoders take. It is a snapshot of the frame's
 * name, refId, meta and field list; the field objects and their columns are shared with the frame it
 * was made from (not copied), so change none of them afterwards: check the changed frame again.
 */
export type CheckedFrame = Frame & { readonly [CHECKED]: true };

/**
 * Marks the runtime form of a CheckedFrame, on its prototype: a spread copy (`{ ...checked }`) does not
 * carry it. A registered symbol, so a frame checked by another copy of the SDK in the same process (a
 * bundle holding both its CommonJS and ES module builds) still counts as checked.
 */
const CHECKED_MARK = Symbol.for('@tributary/grafana-backend-sdk:checked-frame');

/** The runtime form of a CheckedFrame; only this module creates one. */
class CheckedFrameRecord implements Frame {
  readonly name: string | undefined;
  readonly refId: string | undefined;
  readonly meta: FrameMeta | undefined;
  readonly fields: Field[];

  constructor(frame: Frame, refId: string | undefined) {
    this.name = frame.name;
    this.refId = refId;
    this.meta = frame.meta;
    // A copy, so fields added to or removed from the caller's list later do not change this frame.
    this.fields = frame.fields.slice();
  }
}
Object.defineProperty(CheckedFrameRecord.prototype, CHECKED_MARK, { value: true });

function isChecked(frame: unknown): boolean {
  return typeof frame === 'object' && frame !== null && (frame as Record<symbol, unknown>)[CHECKED_MARK] === true;
}

/** True for a frame `checkFrame` returned. */
export function isCheckedFrame(frame: unknown): frame is CheckedFrame {
  return isChecked(frame);
}

/**
 * Checks a frame and returns it as a CheckedFrame; throws FrameError naming the field for a frame that
 * cannot be encoded. A frame that is already checked is returned as is, at no cost.
 */
export function checkFrame(frame: Frame): CheckedFrame {
  if (isChecked(frame)) return frame as CheckedFrame;
  assertValidFrame(frame);
  return new CheckedFrameRecord(frame, frame.refId) as unknown as CheckedFrame;
}

/**
 * `checkFrame`, with `refId` filled in when the frame has none (a response's frames carry their
 * query's refId); an already checked frame gets it without being checked again.
 */
export function checkFrameForQuery(frame: Frame, refId: string): CheckedFrame {
  if (frame?.refId) return checkFrame(frame);
  if (!isChecked(frame)) assertValidFrame(frame);
  return new CheckedFrameRecord(frame, refId) as unknown as CheckedFrame;
}

/**
 * For the SDK's own builders whose output is valid by construction (columns they allocated themselves,
 * of one length): the CheckedFrame without running the checks.
 */
export function checkedByConstruction(frame: Frame): CheckedFrame {
  return new CheckedFrameRecord(frame, frame.refId) as unknown as CheckedFrame;
}

/** The encoders' guard: a frame that did not come from `checkFrame` (e.g. from JavaScript or a cast) is refused. */
export function requireChecked(frame: CheckedFrame, encoder: string): void {
  if (!isChecked(frame)) {
    throw new FrameError(`${encoder} takes a checked frame: pass the frame through checkFrame() first`);
  }
}

/** Number of rows, taken from the first field (0 for a frame without fields). */
export function frameRowCount(frame: Frame): number {
  return frame.fields.length === 0 ? 0 : frame.fields[0].values.length;
}

function assertValidFrame(frame: Frame): void {
  if (!frame || typeof frame !== 'object') throw new FrameError('frame must be an object');
  if (!Array.isArray(frame.fields)) throw new FrameError('frame.fields must be an array');
  const frameName = frame.name ? `frame "${frame.name}"` : 'frame';
  if (frame.name !== undefined && typeof frame.name !== 'string') throw new FrameError(`${frameName}: name must be a string`);
  if (frame.refId !== undefined && typeof frame.refId !== 'string') throw new FrameError(`${frameName}: refId must be a string`);
  if (frame.meta !== undefined && (frame.meta === null || typeof frame.meta !== 'object' || Array.isArray(frame.meta))) {
    throw new FrameError(`${frameName}: meta must be an object`);
  }
  const rows = frameRowCount(frame);
  frame.fields.forEach((field, index) => validateField(field, index, rows, frameName));
}

function validateField(field: Field, index: number, rows: number, frameName: string): void {
  const where = `${frameName}, field ${index}${field && typeof field.name === 'string' ? ` ("${field.name}")` : ''}`;
  if (!field || typeof field !== 'object') throw new FrameError(`${where}: field must be an object`);
  if (typeof field.name !== 'string') throw new FrameError(`${where}: name must be a string`);
  if (!isFieldType(field.type)) {
    throw new FrameError(`${where}: unknown type ${JSON.stringify(field.type)} (expected one of ${Object.keys(FIELD_TYPES).join(', ')})`);
  }
  const info = FIELD_TYPES[field.type];
  const values = field.values as unknown;
  // Compared by tag, not instanceof, so columns from another realm (a Buffer, a jest sandbox) pass.
  const columnOk = info.column === Array ? Array.isArray(values) : typedArrayTag(values) === info.column.name;
  if (!columnOk) {
    throw new FrameError(`${where}: a ${field.type} field needs its values in a ${info.column.name}, got ${describe(values)}`);
  }
  const length = (values as ArrayLike<unknown>).length;
  if (length !== rows) {
    throw new FrameError(`${where}: has ${length} values but the frame's first field has ${rows}; all fields need the same length`);
  }
  if (field.valid !== undefined) {
    if (!field.nullable) throw new FrameError(`${where}: has a validity bitmap (valid) but is not nullable`);
    if (typedArrayTag(field.valid) !== 'Uint8Array') throw new FrameError(`${where}: valid must be a Uint8Array, got ${describe(field.valid)}`);
    if (field.valid.length !== rows) {
      throw new FrameError(`${where}: valid has ${field.valid.length} entries but the field has ${rows} rows`);
    }
  }
  if (field.labels !== undefined) checkLabels(field.labels, where);
  if (field.config !== undefined && (field.config === null || typeof field.config !== 'object' || Array.isArray(field.config))) {
    throw new FrameError(`${where}: config must be an object`);
  }
  if (field.type === 'string' || field.type === 'json') checkStrings(field, where);
  if (field.type === 'enum') checkEnum(field as Field<'enum'>, where);
}

function checkLabels(labels: unknown, where: string): void {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) throw new FrameError(`${where}: labels must be an object`);
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') throw new FrameError(`${where}: label ${JSON.stringify(key)} must be a string, got ${describe(value)}`);
  }
}

function checkStrings(field: Field, where: string): void {
  const values = field.values as unknown[];
  const valid = field.valid;
  for (let i = 0; i < values.length; i++) {
    if (valid && valid[i] === 0) continue;
    const v = values[i];
    if (typeof v !== 'string') {
      if ((v === null || v === undefined) && field.nullable) continue; // a null entry in a nullable column is a null row
      throw new FrameError(`${where}: row ${i} must be a string, got ${describe(v)}${field.nullable ? '' : ' (make the field nullable for nulls)'}`);
    }
    if (field.type === 'json' && v !== '') {
      // An empty cell is allowed: the Go SDK writes an empty json.RawMessage as null.
      try {
        JSON.parse(v);
      } catch {
        throw new FrameError(`${where}: row ${i} is not valid JSON: ${v.length > 60 ? `${v.slice(0, 60)}...` : v}`);
      }
    }
  }
}

function checkEnum(field: Field<'enum'>, where: string): void {
  const enumConfig = (field.config?.type as { enum?: { text?: unknown } } | undefined)?.enum;
  if (enumConfig === undefined) return; // Grafana shows the raw index; the Go SDK allows this too
  if (!Array.isArray(enumConfig.text) || enumConfig.text.some((t) => typeof t !== 'string')) {
    throw new FrameError(`${where}: config.type.enum.text must be an array of strings`);
  }
  const size = enumConfig.text.length;
  for (let i = 0; i < field.values.length; i++) {
    if (field.valid && field.valid[i] === 0) continue;
    if (field.values[i] >= size) {
      throw new FrameError(`${where}: row ${i} has enum index ${field.values[i]} but config.type.enum.text has only ${size} entries`);
    }
  }
}

/** True when row i of the field is null (validity byte 0, or a null entry in a nullable string/json column). */
export function isNullAt(field: Field, i: number): boolean {
  if (!field.nullable) return false;
  if (field.valid !== undefined && field.valid[i] === 0) return true;
  return (field.type === 'string' || field.type === 'json') && (field.values as unknown[])[i] == null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an Array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}
