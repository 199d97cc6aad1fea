/** Retry delays shared by the web sources (the same rule as the MQTT connection's, docs/sources.md). */

export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** [0, 1) for the jitter (tests pin it). */
  random?: () => number;
}

/** min·2^(n-1) capped at max, then "equal jitter": a random point in its upper half, so replicas spread out. */
export function backoffDelayMs(failuresInARow: number, policy: BackoffPolicy): number {
  const exponential = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(30, Math.max(0, failuresInARow - 1)));
  const random = policy.random ?? Math.random;
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
