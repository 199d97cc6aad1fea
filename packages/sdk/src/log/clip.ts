/**
 * Keeps log lines small whatever a client sends: a channel path, refId or error message can be
 * megabytes long, and one log line of that size floods Grafana's log pipeline. Strings are cut to a
 * byte budget with a marker saying how many bytes were cut; collections are cut to a bounded count.
 */

/** Most UTF-8 bytes kept of the message and of each string value. */
export const MAX_LOG_STRING_BYTES = 1024;
/** Stack traces are worth more room, but stay bounded too. */
export const MAX_LOG_STACK_BYTES = 8 * 1024;
/** Most items kept of an array, and keys of an object, in one logged value. */
export const MAX_LOG_ITEMS = 100;

const CLIPPED = /…\[\d+ more bytes cut\]$/;
/** The most bytes a marker takes. */
const MARKER_ROOM = 40;

/** `text` cut to at most `maxBytes` UTF-8 bytes, plus a marker naming how many bytes were cut. */
export function clipString(text: string, maxBytes: number = MAX_LOG_STRING_BYTES): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const total = Buffer.byteLength(text);
  if (total <= maxBytes) return text;
  // Already clipped (a child logger's stored field): clipping is idempotent.
  if (total <= maxBytes + MARKER_ROOM && CLIPPED.test(text)) return text;
  const head = Buffer.from(text.slice(0, maxBytes), 'utf8');
  let end = Math.min(maxBytes, head.length);
  // Step back to a character boundary (never keep half of a multi-byte character).
  while (end > 0 && end < head.length && (head[end] & 0xc0) === 0x80) end--;
  return `${head.subarray(0, end).toString('utf8')}…[${total - end} more bytes cut]`;
}

/** The byte budget for a string logged under `key`. */
export function budgetFor(key: string): number {
  return key === 'stack' ? MAX_LOG_STACK_BYTES : MAX_LOG_STRING_BYTES;
}

/** The marker that replaces the items past MAX_LOG_ITEMS. */
export function itemsCutMarker(total: number): string {
  return `…[${total - MAX_LOG_ITEMS} more items cut]`;
}
