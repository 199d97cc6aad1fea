/**
 * The upstream of one Tributary channel: wakes on the sample grid and emits the steps that have
 * become due. Wakes are aligned to multiples of `stride` steps (stride = enough steps to stay within
 * the packet budget), counted from the epoch, so packet boundaries are the same in every process.
 */
import { checkFrame, frameToJSONBytes, timeSeriesDataJSONBytes } from '@tributary/grafana-backend-sdk/frames';
import type { ChannelSource, EncodedPacket } from '@tributary/grafana-backend-sdk/live';
import { systemClock, type Clock } from '@tributary/grafana-backend-sdk/live';
import { DeadlineScheduler } from '@tributary/grafana-backend-sdk/live';
import type { StreamQuery } from './channelPath';
import { seriesNames, signalFrame, type FrameShape } from './frames';
import { SignalGenerator } from './signals';

/** Consecutive steps [first, first + count). */
export interface StepRange {
  first: number;
  count: number;
}

/** Most points one packet carries; after a stall older due samples are skipped (and counted), newest kept. */
export const MAX_POINTS_PER_PACKET = 10_000;

export interface SignalSourceOptions {
  query: StreamQuery;
  datasourceUid: string;
  maxPacketsPerSecond: number;
  clock?: Clock;
  /** Shared by the channels of an instance so channels on the same grid wake on one timer. */
  scheduler?: DeadlineScheduler;
  /** Points skipped because the process fell behind by more than one packet's worth. */
  onSkipped?: (points: number) => void;
}

export class SignalChannelSource implements ChannelSource<StepRange> {
  readonly stride: number;
  private readonly maxRows: number;
  private readonly shape: FrameShape;
  private readonly generator: SignalGenerator;
  private readonly clock: Clock;
  private readonly scheduler: DeadlineScheduler;
  /** Newest step already emitted; kept across upstream restarts so a retry resumes without a gap. */
  private lastStep: number | undefined;
  /** The packet encoded ahead for the next wake-up (see prepareAfterThisWake), and the pending job. */
  private prepared: { first: number; rows: number; packet: EncodedPacket } | undefined;
  private preparing: ReturnType<typeof setImmediate> | undefined;
  private readonly nextRange: StepRange = { first: 0, count: 0 };

  constructor(private readonly options: SignalSourceOptions) {
    const { query, datasourceUid, maxPacketsPerSecond } = options;
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? new DeadlineScheduler(this.clock);
    this.stride = Math.max(1, Math.ceil(1000 / maxPacketsPerSecond / query.sampleIntervalMs));
    this.maxRows = Math.max(this.stride, Math.floor(MAX_POINTS_PER_PACKET / query.seriesCount));
    this.shape = { names: seriesNames(query), sampleIntervalMs: query.sampleIntervalMs };
    this.generator = new SignalGenerator(query, datasourceUid);
  }

  schemaPacket(): EncodedPacket {
    return { bytes: frameToJSONBytes(checkFrame(signalFrame(this.shape, this.generator, 0, 0)), 'schema'), points: 0 };
  }

  encode(batches: readonly StepRange[]): EncodedPacket {
    // Ranges arrive in order and contiguous (one upstream, one cursor), so they merge into one.
    const first = batches[0].first;
    const last = batches[batches.length - 1];
    const rows = last.first + last.count - first;
    const prepared = this.prepared;
    this.prepared = undefined;
    if (prepared !== undefined && prepared.first === first && prepared.rows === rows) {
      return prepared.packet;
    }
    return this.encodeRange(first, rows);
  }

  /** The data part of the frame signalFrame builds for these steps, written straight from the numbers (same bytes). */
  private encodeRange(first: number, rows: number): EncodedPacket {
    const times = new Float64Array(rows);
    const { sampleIntervalMs } = this.shape;
    for (let row = 0; row < rows; row++) {
      times[row] = (first + row) * sampleIntervalMs;
    }
    const columns = this.generator.columns(first, rows);
    return { bytes: timeSeriesDataJSONBytes(times, columns), points: rows * this.generator.seriesCount };
  }

  /**
   * Encodes the packet the next wake-up will most likely send (the steps up to that wake, if it comes
   * on time) once the current wake-up is over: channels sharing a wake-up then each send a ready
   * packet instead of waiting for the others to generate and encode theirs. Values depend only on
   * the step, so an early packet holds the same bytes; if the range turns out different (a late
   * wake, merged batches) `encode` simply builds it then.
   */
  private prepareAfterThisWake(first: number, rows: number): void {
    this.prepared = undefined;
    this.nextRange.first = first;
    this.nextRange.count = rows;
    this.preparing ??= setImmediate(this.prepareNext);
  }

  private readonly prepareNext = (): void => {
    this.preparing = undefined;
    const { first, count } = this.nextRange;
    try {
      this.prepared = { first, rows: count, packet: this.encodeRange(first, count) };
    } catch {
      this.prepared = undefined; // encode() will build it again and the hub reports the error then
    }
  };

  private cancelPrepare(): void {
    if (this.preparing !== undefined) {
      clearImmediate(this.preparing);
      this.preparing = undefined;
    }
    this.prepared = undefined;
  }

  run(emit: (batch: StepRange) => void, signal: AbortSignal): Promise<void> {
    const { clock, scheduler, stride } = this;
    const sampleIntervalMs = this.options.query.sampleIntervalMs;
    return new Promise((resolve) => {
      let cancelWake: () => void = () => undefined;
      const schedule = () => {
        const wakeStep = (Math.floor(this.lastStep! / stride) + 1) * stride;
        cancelWake = scheduler.schedule(wakeStep * sampleIntervalMs, tick);
        this.prepareAfterThisWake(this.lastStep! + 1, wakeStep - this.lastStep!);
      };
      // A plain flag rather than signal.aborted, whose getter showed up in profiles of the per-tick path.
      let stopped = signal.aborted;
      // Called by the scheduler once the clock has reached the wake time.
      const tick = () => {
        if (stopped) {
          return;
        }
        const dueStep = Math.floor(clock.now() / sampleIntervalMs);
        if (dueStep < this.lastStep! - this.maxRows) {
          this.lastStep = dueStep; // the wall clock went back: follow it rather than fall silent
        } else if (dueStep > this.lastStep!) {
          let first = this.lastStep! + 1;
          let count = dueStep - this.lastStep!;
          if (count > this.maxRows) {
            this.options.onSkipped?.((count - this.maxRows) * this.generator.seriesCount);
            first = dueStep - this.maxRows + 1;
            count = this.maxRows;
          }
          this.lastStep = dueStep;
          emit({ first, count });
        }
        schedule();
      };
      signal.addEventListener(
        'abort',
        () => {
          stopped = true;
          cancelWake();
          this.cancelPrepare();
          resolve();
        },
        { once: true },
      );
      this.lastStep ??= Math.floor(clock.now() / sampleIntervalMs);
      schedule();
    });
  }
}
