/**
 * Admission per response: queries are admitted in request order while their estimated bytes fit in
 * one gRPC message to Grafana; the others get a clear per-refId 413 before anything is computed.
 */
export interface CostedQuery {
  refId: string;
  /** Estimated encoded bytes; undefined when the datasource declared no cost (always admitted). */
  bytes: number | undefined;
}

export interface Refusal {
  refId: string;
  message: string;
}

const MiB = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

export function admitToResponse(queries: CostedQuery[], limitBytes: number): { admitted: Set<string>; refused: Refusal[] } {
  const admitted = new Set<string>();
  const refused: Refusal[] = [];
  let used = 0;
  for (const { refId, bytes } of queries) {
    if (bytes === undefined) {
      admitted.add(refId);
      continue;
    }
    if (bytes > limitBytes) {
      refused.push({
        refId,
        message:
          `query ${refId}: the result would be about ${MiB(bytes)}, more than Grafana accepts in one response (${MiB(limitBytes)}); ` +
          'narrow the query: a shorter time range, fewer series or a larger interval',
      });
    } else if (used + bytes > limitBytes) {
      refused.push({
        refId,
        message:
          `query ${refId}: together with the other queries of this request the results would exceed one response (${MiB(limitBytes)}); ` +
          'split the queries across panels or narrow them',
      });
    } else {
      used += bytes;
      admitted.add(refId);
    }
  }
  return { admitted, refused };
}
