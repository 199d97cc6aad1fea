/**
 * The upstream of one Tributary channel: wakes on the sample grid and emits the steps that have
 * become due. Wakes are aligned to multiples of `stride` steps (stride = enough steps to stay within
 * the packet budget), counted from the epoch, so packet boundaries are the same in every process.
 */
import { frameToJSONBytes } from '../sdk/frames';
import type { ChannelSource, EncodedPacket } from '../sdk/live/hub';
import { systemClock, type Clock } from '../sdk/live/clock';
import { DeadlineScheduler } from '../sdk/live/deadlines';
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
    return { bytes: frameToJSONBytes(signalFrame(this.shape, this.generator, 0, 0), 'schema'), points: 0 };
  }

  encode(batches: readonly StepRange[]): EncodedPacket {
    // Ranges arrive in order and contiguous (one upstream, one cursor), so they merge into one.
    const first = batches[0].first;
    const last = batches[batches.length - 1];
    const rows = last.first + last.count - first;
    const packetFrame = signalFrame(this.shape, this.generator, first, rows);
    return { bytes: frameToJSONBytes(packetFrame, 'data'), points: rows * this.generator.seriesCount };
  }

  run(emit: (batch: StepRange) => void, signal: AbortSignal): Promise<void> {
    const { clock, scheduler, stride } = this;
    const sampleIntervalMs = this.options.query.sampleIntervalMs;
    return new Promise((resolve) => {
      let cancelWake: () => void = () => undefined;
      const schedule = () => {
        const wakeStep = (Math.floor(this.lastStep! / stride) + 1) * stride;
        cancelWake = scheduler.schedule(wakeStep * sampleIntervalMs, tick);
      };
      // Called by the scheduler once the clock has reached the wake time.
      const tick = () => {
        if (signal.aborted) {
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
          cancelWake();
          resolve();
        },
        { once: true },
      );
      this.lastStep ??= Math.floor(clock.now() / sampleIntervalMs);
      schedule();
    });
  }
}
