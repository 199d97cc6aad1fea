/**
 * The response size cap for QueryData: replaces the biggest answers with a clear per-query 413
 * instead of failing the whole transport. (Encoding answers for the wire is wire/convert's job.)
 */
import { dataError, formatOfResponse, type WireDataResponse } from '../wire/convert';

/** 16 MiB: the safe ceiling for one gRPC message to Grafana. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Room left for protobuf framing, map keys and error texts. */
export const ENVELOPE_RESERVE = 64 * 1024;

function sizeOf(refId: string, response: WireDataResponse): number {
  let size = Buffer.byteLength(refId) + 32;
  for (const frame of response.frames ?? []) size += frame.byteLength + 6;
  if (response.error) size += Buffer.byteLength(response.error) + 6;
  return size;
}

const MiB = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

export function tooLargeMessage(refId: string, size: number, limit: number): string {
  return (
    `query ${refId}: the result is too large to send to Grafana (${MiB(size)}, limit ${MiB(limit)} per response); ` +
    'narrow the query: a shorter time range, fewer series or a larger interval'
  );
}

/** Replaces the biggest refIds with a 413 error until the whole response fits in `limit` bytes. */
export function capResponseSize(responses: Record<string, WireDataResponse>, limit: number): string[] {
  const budget = Math.max(0, limit - ENVELOPE_RESERVE);
  const sizes = new Map(Object.entries(responses).map(([refId, r]) => [refId, sizeOf(refId, r)]));
  let total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const cut: string[] = [];
  while (total > budget) {
    let biggest: string | undefined;
    for (const [refId, size] of sizes) if (biggest === undefined || size > sizes.get(biggest)!) biggest = refId;
    if (biggest === undefined) break;
    const before = sizes.get(biggest)!;
    const replacement = dataError(tooLargeMessage(biggest, before, limit), 413, 'plugin', formatOfResponse(responses[biggest]));
    responses[biggest] = replacement;
    const after = sizeOf(biggest, replacement);
    sizes.delete(biggest); // never pick the same refId twice
    total += after - before;
    cut.push(biggest);
  }
  return cut;
}
