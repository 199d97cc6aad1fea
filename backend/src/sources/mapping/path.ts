/**
 * Field paths into a JSON payload: `a.b[2].c`, with quoted keys for names that hold dots, brackets,
 * quotes or blanks (`a["x.y"]`, `['odd key']`). The same text is the field's name in frames, so an
 * explicit `fields` entry and the name the flattener gives a leaf are the same string.
 *
 * Written by hand: JSONPath libraries accept a much larger language (filters, wildcards, slices) that
 * the query editor must not offer, and name leaves differently from the flattener.
 */
import { MAPPING_LIMITS } from '../../../../src/shared/mapping';

/** One step: an object key or an array index. */
export type PathSegment = string | number;

export class PathError extends Error {
  constructor(path: string, reason: string) {
    super(`field path ${JSON.stringify(path)}: ${reason}`);
    this.name = 'PathError';
  }
}

const PLAIN_KEY = /^[^.[\]"'\s]+$/;

/** The key as it appears in a path: bare when it can be, else a double-quoted JSON string in brackets. */
function keyText(key: string, first: boolean): string {
  if (PLAIN_KEY.test(key)) return first ? key : `.${key}`;
  return `[${JSON.stringify(key)}]`;
}

/** Canonical text of a path (what `parsePath` reads back to the same segments). */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    out += typeof s === 'number' ? `[${s}]` : keyText(s, i === 0);
  }
  return out;
}

// Payloads of a topic repeat their keys: remember how each key is written (bounded, then cleared).
const nestedKeyText = new Map<string, string>();
const MAX_CACHED_KEYS = 10_000;

/** Appends one segment to an already formatted path (the flattener's hot path). */
export function childPath(parent: string, segment: PathSegment): string {
  if (typeof segment === 'number') return `${parent}[${segment}]`;
  if (parent === '') return keyText(segment, true);
  let text = nestedKeyText.get(segment);
  if (text === undefined) {
    if (nestedKeyText.size >= MAX_CACHED_KEYS) nestedKeyText.clear();
    text = keyText(segment, false);
    nestedKeyText.set(segment, text);
  }
  return parent + text;
}

/**
 * Parses `a.b[2].c`, `a["x.y"]`, `['k'][0]`. Leading and trailing blanks are ignored; an empty path,
 * an empty key, an unclosed bracket or quote, or a bad index is an error naming the character.
 */
export function parsePath(text: string): PathSegment[] {
  const path = text.trim();
  if (path === '') throw new PathError(text, 'is empty');
  if (path.length > MAPPING_LIMITS.maxPathLength) throw new PathError(text, `is longer than ${MAPPING_LIMITS.maxPathLength} characters`);
  const segments: PathSegment[] = [];
  let i = 0;
  const at = (what: string) => new PathError(text, `${what} at character ${i + 1}`);
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      i++;
      const q = path[i];
      if (q === '"' || q === "'") {
        let key = '';
        i++;
        for (;;) {
          if (i >= path.length) throw at(`unclosed ${q} quote`);
          const d = path[i];
          if (d === '\\') {
            const e = path[i + 1];
            if (e === undefined) throw at('unfinished escape');
            key += e === 'n' ? '\n' : e === 't' ? '\t' : e;
            i += 2;
          } else if (d === q) {
            i++;
            break;
          } else {
            key += d;
            i++;
          }
        }
        if (path[i] !== ']') throw at('expected "]" after the quoted key');
        i++;
        segments.push(key);
      } else {
        const close = path.indexOf(']', i);
        if (close < 0) throw at('unclosed "["');
        const digits = path.slice(i, close);
        if (!/^\d+$/.test(digits)) throw at(`index ${JSON.stringify(digits)} is not a whole number (quote keys: ["${digits}"])`);
        const index = Number(digits);
        if (!Number.isSafeInteger(index)) throw at('index too large');
        segments.push(index);
        i = close + 1;
      }
    } else {
      if (c === '.') {
        if (segments.length === 0) throw at('path starts with "."');
        i++;
      } else if (segments.length > 0) {
        throw at(`expected "." or "[" before ${JSON.stringify(c)}`);
      }
      const start = i;
      while (i < path.length && path[i] !== '.' && path[i] !== '[') {
        if (path[i] === ']' || path[i] === '"' || path[i] === "'") throw at(`unexpected ${JSON.stringify(path[i])} (quote such keys: ["..."])`);
        i++;
      }
      if (i === start) throw at('empty key');
      segments.push(path.slice(start, i));
    }
  }
  return segments;
}

/** The value at `segments` in a parsed payload, or undefined when any step is missing. */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(v) || s >= v.length) return undefined;
      v = v[s];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, s)) return undefined;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}
