/**
 * One payload → its named values (and payload time), or the reason it cannot be mapped.
 * JSON is parsed by JSON.parse; invalid UTF-8 is caught first (JSON.parse would silently turn it
 * into U+FFFD).
 */
import { isUtf8 } from 'node:buffer';
import { MAPPING_LIMITS } from '../../../../src/shared/mapping';
import type { CompiledMapping } from './compile';
import { childPath, valueAt } from './path';
import { parseTime, type Instant } from './time';

export const REJECT_REASONS = ['oversize', 'invalid-utf8', 'invalid-json', 'not-a-number'] as const;
/** Why a payload was not mapped (for metrics and notices). */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A value kept in a frame: float64, string, bool, or null. */
export type Scalar = number | string | boolean | null;

export interface DecodedPayload {
  names: string[];
  values: Scalar[];
  /** Leaves beyond maxFieldsPerSeries in this one payload were not kept. */
  truncated: boolean;
  /** The payload time; undefined when the mapping uses arrival time; null when missing or unreadable. */
  time: Instant | null | undefined;
}

/** The field name of a whole-payload value: the topic's last non-empty segment. */
export function topicFieldName(topic: string): string {
  const parts = topic.split('/');
  for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '') return parts[i];
  return 'value';
}

function scalar(v: unknown): Scalar {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** Flattens objects and arrays into dotted / indexed names; values at maxDepth stay JSON text. */
function flatten(value: unknown, path: string, depth: number, skip: string | undefined, out: DecodedPayload): void {
  const limit = MAPPING_LIMITS.maxFieldsPerSeries;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (out.names.length >= limit) {
        out.truncated = true;
        return;
      }
      leaf(value[i], childPath(path, i), depth + 1, skip, out);
    }
    return;
  }
  for (const key in value as Record<string, unknown>) {
    if (out.names.length >= limit) {
      out.truncated = true;
      return;
    }
    leaf((value as Record<string, unknown>)[key], childPath(path, key), depth + 1, skip, out);
  }
}

function leaf(v: unknown, name: string, depth: number, skip: string | undefined, out: DecodedPayload): void {
  if (v !== null && typeof v === 'object') {
    if (depth >= MAPPING_LIMITS.maxDepth) {
      out.names.push(name);
      out.values.push(JSON.stringify(v));
    } else {
      flatten(v, name, depth, skip, out);
    }
    return;
  }
  if (name === skip) return;
  out.names.push(name);
  out.values.push(scalar(v));
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };

/** A whole payload as one number: blanks around it are fine; NaN and ±Inf are accepted. */
export function parseNumberPayload(text: string): number | undefined {
  const t = text.trim();
  if (NUMBER.test(t)) return Number(t);
  const special = SPECIAL[t.toLowerCase()];
  return special;
}

export function decodePayload(payload: Buffer, topic: string, mapping: CompiledMapping): DecodedPayload | RejectReason {
  if (payload.length > mapping.maxPayloadBytes) return 'oversize';
  const out: DecodedPayload = { names: [], values: [], truncated: false, time: undefined };
  if (mapping.format === 'number') {
    const n = parseNumberPayload(payload.toString('latin1'));
    if (n === undefined) return 'not-a-number';
    out.names.push(topicFieldName(topic));
    out.values.push(n);
    return out;
  }
  if (!isUtf8(payload)) return 'invalid-utf8';
  const text = payload.toString('utf8');
  if (mapping.format === 'text') {
    out.names.push(topicFieldName(topic));
    out.values.push(text);
    return out;
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return 'invalid-json';
  }
  if (mapping.time) {
    out.time = parseTime(valueAt(root, mapping.time.segments), mapping.timeFormat) ?? null;
  }
  if (mapping.explicit) {
    for (const f of mapping.explicit) {
      out.names.push(f.name);
      out.values.push(scalar(valueAt(root, f.segments)));
    }
  } else if (root !== null && typeof root === 'object') {
    flatten(root, '', 0, mapping.time?.name, out);
  } else {
    out.names.push(topicFieldName(topic));
    out.values.push(root as Scalar);
  }
  return out;
}
