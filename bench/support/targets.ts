/**
 * One way for every benchmark to say whether a figure meets its target: the target followed by
 * `met` or `MISSED`, so a missed target is never left for the reader to work out.
 */

export type Verdict = 'met' | 'MISSED';

export function verdict(ok: boolean): Verdict {
  return ok ? 'met' : 'MISSED';
}

/** "≤ 5 ms: met" for a figure that must stay at or below `limit`. */
export function atMost(value: number, limit: number, unit: string): string {
  return `≤ ${limit} ${unit}: ${verdict(value <= limit)}`;
}

/** "≥ 12 M points/s: MISSED" for a figure that must reach at least `limit`. */
export function atLeast(value: number, limit: number, unit: string): string {
  return `≥ ${limit} ${unit}: ${verdict(value >= limit)}`;
}
