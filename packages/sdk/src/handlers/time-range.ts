/**
 * Checks a query's time range before anything is computed. Frames carry time as int64 nanoseconds
 * since the epoch (Arrow `timestamp[ns]`, frame JSON), so a range outside what int64 nanoseconds can
 * hold (about 1677-09-21 to 2262-04-11) can never be answered with a time field; neither can a range
 * that ends before it starts. Both are the user's error: a 400 for that refId, with no work done.
 */
import { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS, isFrameTimeMs } from '../frames/time-units';
import type { DataResponse, TimeRange } from '../types';
import { USER_ERROR_STATUS, errorSourceForStatus } from '../middleware/error-source';

export { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS };

function describeTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : `${ms} ms (${date.toISOString()})`;
}

/** Why this range cannot be answered, or undefined when it is fine. */
export function timeRangeProblem(range: TimeRange): string | undefined {
  for (const [name, ms] of [['from', range.from], ['to', range.to]] as const) {
    if (!Number.isFinite(ms)) return `the time range "${name}" is not a number (${String(ms)})`;
    if (!isFrameTimeMs(ms)) {
      return (
        `the time range "${name}" ${describeTime(ms)} is outside what a data frame can hold ` +
        `(${new Date(MIN_FRAME_TIME_MS).toISOString()} to ${new Date(MAX_FRAME_TIME_MS).toISOString()})`
      );
    }
  }
  if (range.from > range.to) {
    return `the time range ends before it starts (from ${describeTime(range.from)}, to ${describeTime(range.to)})`;
  }
  return undefined;
}

/** The refId's 400 answer when its time range cannot be answered; undefined when it is fine. */
export function timeRangeFailure(refId: string, range: TimeRange): DataResponse | undefined {
  const problem = timeRangeProblem(range);
  if (!problem) return undefined;
  return { error: `query ${refId}: ${problem}`, status: USER_ERROR_STATUS, errorSource: errorSourceForStatus(USER_ERROR_STATUS) };
}
