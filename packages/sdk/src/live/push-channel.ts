/**
 * A channel fed by a push source: batches arrive whenever the upstream emits them and wait in
 * `pending` only until the channel's next packet slot; then they are merged into one packet.
 * A failing upstream is restarted with backoff instead of ending RunStream (ending it makes Grafana
 * reconnect in a tight loop).
 */
import { sleep } from './clock';
import { FanOutChannel, type ChannelContext } from './channel-context';
import { PacketSlots } from './pacing';
import type { ChannelSource } from './sources';

/** A failing upstream that ran this long is considered healthy again: backoff restarts from the first delay. */
const HEALTHY_RUN_MS = 10_000;

export class PushChannel<B> extends FanOutChannel {
  private pending: B[] = [];
  private readonly slots: PacketSlots;
  private cancelWake: (() => void) | undefined;
  /** A flush is queued for when the current callbacks are done (see emit). */
  private flushQueued = false;
  private readonly upstream = new AbortController();

  constructor(
    path: string,
    private readonly source: ChannelSource<B>,
    context: ChannelContext,
  ) {
    super(path, context, () => source.schemaPacket());
    this.slots = new PacketSlots(context.maxPacketsPerSecond);
  }

  start(): void {
    this.runUpstream().catch((error: unknown) => {
      // Only a bug in the retry loop itself gets here; never let it take the process down.
      this.context.logger?.error('live channel: upstream loop crashed', { path: this.path, error: String(error) });
    });
  }

  protected halt(): void {
    this.upstream.abort();
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.pending = [];
  }

  private readonly emit = (batch: B): void => {
    if (this.stopped) {
      return;
    }
    this.pending.push(batch);
    if (this.cancelWake === undefined && !this.flushQueued) {
      // Not at once but once the current callbacks are done: a transport hands over what one socket
      // read brought as many emits in a row (MQTT.js: one per process.nextTick), and flushing on the
      // first would send it alone and hold the rest back a whole packet interval. A promise job runs
      // after the whole nextTick chain and is never faked by test clocks.
      this.flushQueued = true;
      void Promise.resolve().then(this.onFlushQueued);
    }
  };

  private readonly onFlushQueued = (): void => {
    this.flushQueued = false;
    if (this.cancelWake === undefined) {
      this.flushOrWait();
    }
  };

  private flushOrWait(): void {
    if (this.stopped) {
      return;
    }
    const now = this.context.clock.now();
    if (this.slots.tryTake(now)) {
      this.flush();
      return;
    }
    this.cancelWake = this.context.scheduler.schedule(this.slots.nextOpening(now), this.onSlotOpen);
  }

  private readonly onSlotOpen = (): void => {
    this.cancelWake = undefined;
    this.flushOrWait();
  };

  private flush(): void {
    if (this.pending.length === 0) {
      return;
    }
    const batches = this.pending;
    this.pending = [];
    this.publish(() => this.source.encode(batches));
  }

  private async runUpstream(): Promise<void> {
    const { clock, logger, observer, retryInitialMs, retryMaxMs } = this.context;
    const signal = this.upstream.signal;
    let failures = 0;
    while (!signal.aborted) {
      const startedAt = clock.now();
      let failure: unknown;
      try {
        await this.source.run(this.emit, signal);
        failure = new Error('upstream stopped on its own');
      } catch (error) {
        failure = error;
      }
      if (signal.aborted) {
        return;
      }
      if (clock.now() - startedAt >= HEALTHY_RUN_MS) {
        failures = 0;
      }
      const retryInMs = Math.min(retryMaxMs, retryInitialMs * 2 ** failures);
      failures = Math.min(failures + 1, 30);
      logger?.warn('live channel: upstream failed; retrying', { path: this.path, error: String(failure), retryInMs });
      try {
        observer?.upstreamFailed?.(this.path, failure, retryInMs);
      } catch {
        // an observer must never stop the retry loop
      }
      await sleep(clock, retryInMs, signal);
    }
  }
}
