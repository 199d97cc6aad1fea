/**
 * Buffer options for the browser-side live frame of a Tributary stream.
 *
 * Base behaviour matches Grafana's standard provider (which @grafana/runtime 13 keeps internal, so
 * it cannot be imported): keep `maxDataPoints` rows (500 if unknown), append packets, and when the
 * range ends at "now" drop rows older than the range length. On top of that, a fast signal
 * (e.g. 100 ms samples in a 15 min window = 9001 rows) would fill only the right edge of the graph
 * with `maxDataPoints` rows, so we keep enough rows to cover the window at the query's sample
 * interval, bounded to protect the browser.
 */
import { StreamingFrameAction, type DataFrame, type DataQueryRequest, type StreamingFrameOptions } from '@grafana/data';
import type { StreamOptionsProvider } from '@grafana/runtime';
import type { TributaryQuery } from './shared/query';

/** Rows kept when the request does not say how many points the panel can show. */
export const DEFAULT_LIVE_ROWS = 500;
/** Hard ceiling on rows kept per live frame (each row holds one value per series). */
export const MAX_LIVE_ROWS = 20_000;

export const tributaryStreamOptions: StreamOptionsProvider<TributaryQuery> = (
  request: DataQueryRequest<TributaryQuery>,
  frame: DataFrame
): Partial<StreamingFrameOptions> => {
  const options: Partial<StreamingFrameOptions> = {
    maxLength: request.maxDataPoints ?? DEFAULT_LIVE_ROWS,
    action: StreamingFrameAction.Append,
  };
  if (request.rangeRaw?.to !== 'now') {
    return options;
  }
  const windowMs = request.range.to.valueOf() - request.range.from.valueOf();
  options.maxDelta = windowMs;
  // The query's own sample interval, not `request.intervalMs` (the panel's, which is far coarser).
  const sampleIntervalMs = request.targets.find((t) => t.refId === frame.refId)?.sampleIntervalMs;
  if (windowMs > 0 && typeof sampleIntervalMs === 'number' && sampleIntervalMs > 0) {
    const rowsInWindow = Math.ceil(windowMs / sampleIntervalMs) + 1;
    options.maxLength = Math.max(options.maxLength ?? 0, Math.min(rowsInWindow, MAX_LIVE_ROWS));
  }
  return options;
};
