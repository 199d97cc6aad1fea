/** The clock's one query field and its stream path: parsed and checked in one place. */
import { QueryError } from '@tributary/grafana-backend-sdk';

export interface ClockQuery {
  /** Milliseconds between ticks. */
  intervalMs: number;
}

export const DEFAULT_INTERVAL_MS = 1000;
export const MIN_INTERVAL_MS = 10;
export const MAX_INTERVAL_MS = 3_600_000;

function checkInterval(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_INTERVAL_MS || value > MAX_INTERVAL_MS) {
    throw new QueryError(`intervalMs must be a whole number between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** The query model from the panel editor: `{ "intervalMs": 1000 }`; the field may be left out. */
export function decodeClockQuery(json: unknown): ClockQuery {
  const model = (json ?? {}) as { intervalMs?: unknown };
  return { intervalMs: model.intervalMs === undefined ? DEFAULT_INTERVAL_MS : checkInterval(model.intervalMs) };
}

/** The channel path of a clock stream: `clock/<intervalMs>`. */
export function streamPath(query: ClockQuery): string {
  return `clock/${query.intervalMs}`;
}

/** The query a stream path stands for, or undefined when the path is not one of ours. */
export function parseStreamPath(path: string): ClockQuery | undefined {
  const match = /^clock\/([1-9][0-9]{0,6})$/.exec(path);
  if (!match) return undefined;
  const intervalMs = Number(match[1]);
  return intervalMs >= MIN_INTERVAL_MS && intervalMs <= MAX_INTERVAL_MS ? { intervalMs } : undefined;
}
