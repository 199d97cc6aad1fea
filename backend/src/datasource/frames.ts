/**
 * The one frame shape Tributary sends everywhere (QueryData history, SubscribeStream schema, stream
 * packets): a `time` field plus one float64 field per series, on the grid step × sampleIntervalMs.
 */
import { frame, numberField, timeField, type Frame, type FrameMeta } from '@tributary/grafana-backend-sdk/frames';
import type { StreamQuery } from './channelPath';
import type { SignalGenerator } from './signals';

/** Legend names: the alias (numbered when there are several series), else `<signal>-<n>`. */
export function seriesNames(query: Pick<StreamQuery, 'signal' | 'seriesCount' | 'alias'>): string[] {
  return Array.from({ length: query.seriesCount }, (_, i) => {
    if (query.alias !== '') {
      return query.seriesCount === 1 ? query.alias : `${query.alias} ${i + 1}`;
    }
    return `${query.signal}-${i + 1}`;
  });
}

export interface FrameShape {
  names: string[];
  sampleIntervalMs: number;
  refId?: string;
  meta?: FrameMeta;
}

/** Rows for `rows` consecutive steps from `firstStep` (0 rows = schema only). */
export function signalFrame(shape: FrameShape, generator: SignalGenerator, firstStep: number, rows: number): Frame {
  return assembleFrame(shape, firstStep, generator.columns(firstStep, rows));
}

/** Points computed per synchronous slice by `signalFrameAsync` (a few ms of work). */
export const POINTS_PER_SLICE = 50_000;

/**
 * Same as `signalFrame`, but computes big frames in slices and yields to the event loop between them,
 * so a large history never stalls live streams; stops with an error once `signal` aborts.
 */
export async function signalFrameAsync(
  shape: FrameShape,
  generator: SignalGenerator,
  firstStep: number,
  rows: number,
  signal: AbortSignal,
): Promise<Frame> {
  const columns = Array.from({ length: generator.seriesCount }, () => new Float64Array(rows));
  const sliceRows = Math.max(1, Math.floor(POINTS_PER_SLICE / generator.seriesCount));
  for (let row = 0; row < rows; row += sliceRows) {
    if (row > 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    signal.throwIfAborted();
    generator.fill(columns, firstStep, row, Math.min(sliceRows, rows - row));
  }
  return assembleFrame(shape, firstStep, columns);
}

function assembleFrame(shape: FrameShape, firstStep: number, columns: Float64Array[]): Frame {
  const rows = columns.length > 0 ? columns[0].length : 0;
  const times = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    times[row] = (firstStep + row) * shape.sampleIntervalMs;
  }
  return frame({
    refId: shape.refId,
    meta: shape.meta,
    fields: [
      timeField('time', times, { config: { interval: shape.sampleIntervalMs } }),
      ...columns.map((values, i) => numberField(shape.names[i], values)),
    ],
  });
}
