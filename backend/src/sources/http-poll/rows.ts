/**
 * The rows of a polled JSON response: the value at the rows path (an array: one row per element; an
 * object or a scalar: one row), and which of them were already seen.
 *
 * The path syntax is the mapping's (`data.items`, `result[0].rows`) without quoted keys: a small
 * reader here because the mapping module (backend/src/sources/mapping/path.ts) is not on this branch
 * yet; once both are merged, `parseRowsPath`/`rowsAt` should call its parsePath/valueAt instead.
 */
import { createHash } from 'node:crypto';

export type RowsPath = (string | number)[];

/** `a.b[2].c` → ['a', 'b', 2, 'c']; empty → [] (the whole response). Throws an Error saying what is wrong. */
export function parseRowsPath(text: string | undefined): RowsPath {
  const path = (text ?? '').trim();
  if (path === '') return [];
  const segments: RowsPath = [];
  const pattern = /\.?([^.[\]]+)|\[(\d+)\]/y;
  let at = 0;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (!match || (segments.length === 0 && path[at] === '.')) {
      throw new Error(`rows path ${JSON.stringify(path)}: unexpected ${JSON.stringify(path[at])} at character ${at + 1}`);
    }
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]);
    at = pattern.lastIndex;
  }
  return segments;
}

/** The rows under `path` in a parsed response; an Error saying why when the path leads nowhere. */
export function rowsAt(root: unknown, path: RowsPath, pathText: string): unknown[] {
  let value = root;
  for (const segment of path) {
    const ok =
      typeof segment === 'number'
        ? Array.isArray(value) && segment < value.length
        : value !== null && typeof value === 'object' && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, segment);
    if (!ok) throw new Error(`the response has nothing at the rows path ${JSON.stringify(pathText)}`);
    value = (value as Record<string | number, unknown>)[segment];
  }
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) return [];
  return [value];
}

/** JSON with object keys sorted, so equal rows give equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The last `capacity` distinct rows seen (by a digest of their canonical JSON): memory stays bounded. */
export class SeenRows {
  private readonly digests = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True when `row` is new (and remembers it). */
  admit(row: unknown): boolean {
    const digest = createHash('sha1').update(canonicalJson(row)).digest('base64');
    if (this.digests.has(digest)) {
      // Seen again: keep it among the newest, so a row every response repeats is never forgotten.
      this.digests.delete(digest);
      this.digests.add(digest);
      return false;
    }
    this.digests.add(digest);
    if (this.digests.size > this.capacity) this.digests.delete(this.digests.values().next().value as string);
    return true;
  }
}
