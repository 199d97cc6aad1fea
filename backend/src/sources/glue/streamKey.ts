/**
 * The part of a message query that decides what its stream sends (topic filter, mapping, alias), in
 * one canonical JSON spelling: equal queries give equal text, so equal channel paths and hashes.
 */
import type { PayloadMapping } from '../../../../src/shared/mapping';

export interface StreamQueryKey {
  topic: string;
  mapping?: PayloadMapping;
  alias: string;
}

/** JSON with object keys sorted at every depth and `undefined` members left out. */
export function canonicalJson(value: unknown): string {
  // JSON.stringify's replacer cannot reorder keys, and a dependency for ten lines is not worth it.
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

export function streamKeyText(key: StreamQueryKey): string {
  return canonicalJson({ t: key.topic, m: key.mapping, a: key.alias === '' ? undefined : key.alias });
}

/** Reads what streamKeyText wrote; undefined when it is not one. */
export function parseStreamKeyText(text: string): StreamQueryKey | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return undefined;
  }
  const { t, m, a } = parsed as Record<string, unknown>;
  if (typeof t !== 'string' || (a !== undefined && typeof a !== 'string') || (m !== undefined && (typeof m !== 'object' || m === null))) {
    return undefined;
  }
  return { topic: t, mapping: m as PayloadMapping | undefined, alias: a ?? '' };
}
