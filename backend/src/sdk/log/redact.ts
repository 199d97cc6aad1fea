/**
 * Keeps secrets out of logs: values under keys that look like credentials are replaced, recursively.
 * Decrypted secure JSON data is dropped as a whole, whatever its keys are called.
 */

const SECRET_KEY = /secure|secret|passw|token|api[-_]?key|authori[sz]ation|cookie|credential|private[-_]?key/i;
export const REDACTED = '[redacted]';
const MAX_DEPTH = 6;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of `value` that is safe to log. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Error) return value.message;
  if (ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretKey(key) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
