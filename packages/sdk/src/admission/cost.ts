/**
 * What a query will cost once computed: the datasource declares points (or bytes) per query, and the
 * SDK turns that into the bytes its encoded frames will take, before anything is computed.
 */
import type { QueryCost } from '../types';
import type { WireFormat } from '../wire/messages';

/**
 * Bytes per point when a datasource declares points only: a float64 value plus its share of a time
 * column in Arrow; a printed number, separators and its share of printed times in frame JSON.
 * Deliberately generous: the post-encode size cap catches what an estimate misses.
 */
export const BYTES_PER_POINT: Record<WireFormat, number> = { ARROW: 16, JSON: 40 };

/** Fixed per-frame overhead (schema, metadata, envelope) counted for every query. */
const PER_QUERY_BYTES = 1024;

export function estimatedBytes(cost: QueryCost | undefined, format: WireFormat): number | undefined {
  if (!cost) return undefined;
  const bytes = cost.bytes;
  if (typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0) return Math.ceil(bytes) + PER_QUERY_BYTES;
  if (typeof cost.points === 'number' && Number.isFinite(cost.points) && cost.points >= 0) {
    return Math.ceil(cost.points * BYTES_PER_POINT[format]) + PER_QUERY_BYTES;
  }
  return undefined;
}
