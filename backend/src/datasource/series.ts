/**
 * One query's series shape: the one place that knows what Tributary sends for a query — the legend
 * names, the time grid (row `step` is at `step × sampleIntervalMs`), the values (its generator), the
 * frame (a `time` field plus one float64 field per series) and the stream packets. QueryData history,
 * the SubscribeStream schema and every stream packet of the query come from one such object, so they
 * cannot disagree: a stream continues its history bit for bit.
 *
 * It holds the query's value generator, which keeps a cursor: one shape per consumer (a history
 * request, a stream channel).
 */
import {
  checkFrame,
  frame,
  frameToJSONBytes,
  numberField,
  timeField,
  timeSeriesDataJSONBytes,
  type Frame,
  type FrameMeta,
} from '@tributary/grafana-backend-sdk/frames';
import type { EncodedPacket } from '@tributary/grafana-backend-sdk/live';
import type { StreamQuery } from './channelPath';
import { SignalGenerator } from './signals';

/** Legend names: the alias (numbered when there are several series), else `<signal>-<n>`. */
export function seriesNames(query: Pick<StreamQuery, 'signal' | 'seriesCount' | 'alias'>): string[] {
  return Array.from({ length: query.seriesCount }, (_, i) => {
    if (query.alias !== '') {
      return query.seriesCount === 1 ? query.alias : `${query.alias} ${i + 1}`;
    }
    return `${query.signal}-${i + 1}`;
  });
}

/** What a QueryData frame carries besides the shape. */
export interface FrameLabels {
  refId?: string;
  meta?: FrameMeta;
}

/** Points computed per synchronous slice by `frameAsync` (a few ms of work). */
export const POINTS_PER_SLICE = 50_000;

export class SeriesShape {
  readonly names: string[];
  readonly sampleIntervalMs: number;
  private readonly generator: SignalGenerator;
  private schema: EncodedPacket | undefined;

  constructor(query: StreamQuery, datasourceUid: string) {
    this.names = seriesNames(query);
    this.sampleIntervalMs = query.sampleIntervalMs;
    this.generator = new SignalGenerator(query, datasourceUid);
  }

  get seriesCount(): number {
    return this.names.length;
  }

  /** The frame of `rows` consecutive steps from `firstStep` (0 rows = schema only). */
  frame(firstStep: number, rows: number, labels: FrameLabels = {}): Frame {
    return this.assemble(firstStep, this.generator.columns(firstStep, rows), labels);
  }

  /**
   * Same as `frame`, but computes big frames in slices and yields to the event loop between them,
   * so a large history never stalls live streams; stops with an error once `signal` aborts.
   */
  async frameAsync(firstStep: number, rows: number, signal: AbortSignal, labels: FrameLabels = {}): Promise<Frame> {
    const columns = Array.from({ length: this.seriesCount }, () => new Float64Array(rows));
    const sliceRows = Math.max(1, Math.floor(POINTS_PER_SLICE / this.seriesCount));
    for (let row = 0; row < rows; row += sliceRows) {
      if (row > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      signal.throwIfAborted();
      this.generator.fill(columns, firstStep, row, Math.min(sliceRows, rows - row));
    }
    return this.assemble(firstStep, columns, labels);
  }

  /** The first packet of every stream: field names and types, no rows. */
  schemaPacket(): EncodedPacket {
    this.schema ??= { bytes: frameToJSONBytes(checkFrame(this.frame(0, 0)), 'schema'), points: 0 };
    return this.schema;
  }

  /**
   * A data-only packet for `rows` steps from `firstStep`: the data part of `frame(firstStep, rows)`,
   * byte for byte, written from the columns without building the frame (a packet per tick makes that worth it).
   */
  dataPacket(firstStep: number, rows: number): EncodedPacket {
    return { bytes: timeSeriesDataJSONBytes(this.times(firstStep, rows), this.generator.columns(firstStep, rows)), points: rows * this.seriesCount };
  }

  private times(firstStep: number, rows: number): Float64Array {
    const times = new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      times[row] = (firstStep + row) * this.sampleIntervalMs;
    }
    return times;
  }

  private assemble(firstStep: number, columns: Float64Array[], labels: FrameLabels): Frame {
    return frame({
      refId: labels.refId,
      meta: labels.meta,
      fields: [
        timeField('time', this.times(firstStep, columns.length > 0 ? columns[0].length : 0), { config: { interval: this.sampleIntervalMs } }),
        ...columns.map((values, i) => numberField(this.names[i], values)),
      ],
    });
  }
}
