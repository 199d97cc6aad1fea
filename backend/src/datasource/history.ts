/**
 * QueryData history: the samples of the query's time range on the grid `step × sampleIntervalMs`
 * (the grid the stream continues), most recent rows first kept when the range holds more than allowed.
 */
import type { TimeRange } from '@tributary/grafana-backend-sdk';
import { MAX_POINTS_PER_FRAME } from '../../../src/shared/validation';

export interface HistoryWindow {
  /** First step (time = step × sampleIntervalMs) and row count. */
  firstStep: number;
  rows: number;
  /** Rows the range held but that were left out to honour the limits. */
  omittedRows: number;
  /** True when the points cap (not maxDataPoints) cut the range. */
  cappedByPoints: boolean;
}

/**
 * Steps in [from, to] at `sampleIntervalMs`, never more than `maxDataPoints` rows (when positive) nor more
 * than MAX_POINTS_PER_FRAME points, keeping the most recent.
 */
export function historyWindow(range: TimeRange, sampleIntervalMs: number, maxDataPoints: number, seriesCount: number): HistoryWindow {
  const lastStep = Math.floor(range.to / sampleIntervalMs);
  const firstInRange = Math.ceil(range.from / sampleIntervalMs);
  const available = Number.isFinite(lastStep - firstInRange) ? Math.max(0, lastStep - firstInRange + 1) : 0;
  const pointsCap = Math.max(1, Math.floor(MAX_POINTS_PER_FRAME / seriesCount));
  const askedCap = maxDataPoints > 0 ? Math.floor(maxDataPoints) : Number.POSITIVE_INFINITY;
  const rows = Math.min(available, askedCap, pointsCap);
  return {
    firstStep: lastStep - rows + 1,
    rows,
    omittedRows: available - rows,
    cappedByPoints: available > pointsCap && pointsCap < askedCap,
  };
}
