/**
 * A channel fed by a grid source. The channel keeps the cursor (the newest step sent) and wakes at
 * every `stride`-th step, counted from the epoch, where stride is the fewest steps that span one packet
 * slot (1000/N ms): packets are then evenly spaced, at least 1000/N ms apart, and every process serving
 * the channel cuts the same packets. A wake-up that comes late still wakes the next time on the same
 * multiples, so lateness never accumulates. At each wake-up it asks the source for every row that has
 * become due; a channel that starts at "now" continues a QueryData history that ended at now.
 */
import { FanOutChannel, type ChannelContext } from './channel-context';
import { PacketSlots } from './pacing';
import type { GridChannelSource } from './sources';
import type { EncodedPacket } from './subscriber';

export class GridChannel extends FanOutChannel {
  private readonly slots: PacketSlots;
  private readonly intervalMs: number;
  private readonly maxRows: number;
  /** Steps between wake-ups. */
  private readonly stride: number;
  /** Newest step sent (or the step current when the channel started). */
  private lastStep = 0;
  private cancelWake: (() => void) | undefined;
  /** The packet encoded ahead for the next wake-up (rowsKnownAhead sources), and the pending job. */
  private prepared: { first: number; rows: number; packet: EncodedPacket } | undefined;
  private preparing: ReturnType<typeof setImmediate> | undefined;
  private nextFirst = 0;
  private nextRows = 0;

  constructor(
    path: string,
    private readonly source: GridChannelSource,
    context: ChannelContext,
  ) {
    super(path, context, () => source.schemaPacket());
    if (!(source.intervalMs > 0) || !Number.isFinite(source.intervalMs)) {
      throw new RangeError(`grid source intervalMs must be a positive number (got ${source.intervalMs})`);
    }
    this.intervalMs = source.intervalMs;
    this.slots = new PacketSlots(context.maxPacketsPerSecond);
    this.stride = Math.max(1, Math.ceil(1000 / context.maxPacketsPerSecond / this.intervalMs));
    // At least one stride of rows, or a steady stream would skip rows it is on time for.
    this.maxRows = Math.max(this.stride, Math.floor(source.maxRowsPerPacket) || 1);
  }

  start(): void {
    this.lastStep = Math.floor(this.context.clock.now() / this.intervalMs);
    this.scheduleNext();
  }

  protected halt(): void {
    this.cancelWake?.();
    this.cancelWake = undefined;
    if (this.preparing !== undefined) {
      clearImmediate(this.preparing);
      this.preparing = undefined;
    }
    this.prepared = undefined;
  }

  private scheduleNext(): void {
    const wakeStep = (Math.floor(this.lastStep / this.stride) + 1) * this.stride;
    this.cancelWake = this.context.scheduler.schedule(wakeStep * this.intervalMs, this.wake);
    if (this.source.rowsKnownAhead === true) {
      // The rows that wake-up will send if it comes on time.
      this.prepared = undefined;
      this.nextFirst = this.lastStep + 1;
      this.nextRows = Math.min(this.maxRows, wakeStep - this.lastStep);
      this.preparing ??= setImmediate(this.prepareNext);
    }
  }

  private readonly wake = (): void => {
    this.cancelWake = undefined;
    if (this.stopped) {
      return;
    }
    const now = this.context.clock.now();
    const dueStep = Math.floor(now / this.intervalMs);
    if (dueStep < this.lastStep - this.maxRows) {
      this.lastStep = dueStep; // the wall clock went back: follow it rather than fall silent
    } else if (dueStep > this.lastStep) {
      if (!this.slots.tryTake(now)) {
        // The stride keeps packets a slot apart; this only happens with non-integer rates.
        this.cancelWake = this.context.scheduler.schedule(this.slots.nextOpening(now), this.wake);
        return;
      }
      let first = this.lastStep + 1;
      let rows = dueStep - this.lastStep;
      if (rows > this.maxRows) {
        this.reportSkipped((rows - this.maxRows) * this.source.pointsPerRow);
        first = dueStep - this.maxRows + 1;
        rows = this.maxRows;
      }
      this.lastStep = dueStep;
      this.send(first, rows);
    }
    this.scheduleNext();
  };

  private send(first: number, rows: number): void {
    const prepared = this.prepared;
    this.prepared = undefined;
    if (prepared !== undefined && prepared.first === first && prepared.rows === rows) {
      this.deliver(prepared.packet);
      return;
    }
    this.publish(() => this.source.encodeRows(first, rows));
  }

  private readonly prepareNext = (): void => {
    this.preparing = undefined;
    if (this.stopped || this.nextRows < 1) {
      return;
    }
    try {
      this.prepared = { first: this.nextFirst, rows: this.nextRows, packet: this.source.encodeRows(this.nextFirst, this.nextRows) };
    } catch {
      this.prepared = undefined; // encoded again when due, and the error is reported then
    }
  };

  private reportSkipped(points: number): void {
    try {
      this.context.observer?.pointsSkipped?.(this.path, points);
    } catch (error) {
      this.context.logger?.warn('live hub observer failed', { error: String(error) });
    }
  }
}
