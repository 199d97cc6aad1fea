/**
 * Makes a value safe to log in one pass: values under keys that look like credentials are replaced,
 * recursively (decrypted secure JSON data is dropped as a whole, whatever its keys are called), and
 * every string, array and object is bounded (clip.ts) so a client-supplied value cannot make a huge line.
 */
import { MAX_LOG_ITEMS, budgetFor, clipString, itemsCutMarker } from './clip';

const SECRET_KEY = /secure|secret|passw|token|api[-_]?key|authori[sz]ation|cookie|credential|private[-_]?key/i;
export const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of `value` that is safe to log: no secrets, bounded size. `key` is the key it is logged under. */
export function redact(value: unknown, depth = 0, key = ''): unknown {
  if (typeof value === 'string') return clipString(value, budgetFor(key));
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Error) return clipString(value.message);
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_LOG_ITEMS).map((v) => redact(v, depth + 1));
    if (value.length > MAX_LOG_ITEMS) items.push(itemsCutMarker(value.length));
    return items;
  }
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (count++ === MAX_LOG_ITEMS) {
      out['…'] = itemsCutMarker(Object.keys(value).length);
      break;
    }
    out[clipString(k)] = isSecretKey(k) ? REDACTED : redact((value as Record<string, unknown>)[k], depth + 1, k);
  }
  return out;
}
