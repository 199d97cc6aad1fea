/**
 * The part of a message query that decides what its stream sends (topic filter, mapping, alias), in
 * one canonical JSON spelling: equal queries give equal text, so equal channel paths and hashes.
 */
import { DEFAULT_MAPPING, type PayloadMapping } from '../../../../src/shared/mapping';

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

/**
 * The mapping without what equals its default (and without empty values): equivalent mappings get one
 * spelling, and channel paths stay short enough to carry the query themselves.
 */
export function essentialMapping(mapping: PayloadMapping | undefined): Partial<PayloadMapping> | undefined {
  if (mapping === undefined) {
    return undefined;
  }
  const defaults = DEFAULT_MAPPING as unknown as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mapping)) {
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (!empty && value !== defaults[key]) {
      kept[key] = value;
    }
  }
  return Object.keys(kept).length > 0 ? (kept as Partial<PayloadMapping>) : undefined;
}

export function streamKeyText(key: StreamQueryKey): string {
  return canonicalJson({ t: key.topic, m: essentialMapping(key.mapping), a: key.alias === '' ? undefined : key.alias });
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
  // Defaults left out by essentialMapping come back here, so the mapping is complete again.
  return { topic: t, mapping: m === undefined ? undefined : ({ ...DEFAULT_MAPPING, ...m } as PayloadMapping), alias: a ?? '' };
}
