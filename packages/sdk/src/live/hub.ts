/**
 * A live hub: one upstream per channel path, shared by every concurrent RunStream of that path
 * (Grafana runs one RunStream per channel per Grafana instance, so several instances on one backend
 * would otherwise duplicate the work). The hub
 *  - starts a channel's upstream with the first RunStream and stops it when the last one is cancelled;
 *  - coalesces what the upstream emits into at most `maxPacketsPerSecond` packets per channel,
 *    encoding each packet once so every RunStream gets the same bytes;
 *  - sends each RunStream the schema packet first, then data-only packets;
 *  - keeps slow readers bounded (see Subscriber) and restarts a failing upstream with backoff
 *    instead of ending RunStream (ending it makes Grafana reconnect in a tight loop).
 * It knows nothing about any particular datasource.
 */
import type { Logger, StreamSender } from '../types';
import { sleep, systemClock, type Clock } from './clock';
import { Subscriber, type EncodedPacket } from './subscriber';

export type { EncodedPacket } from './subscriber';

/** What a datasource provides for one channel. `B` is its batch of samples. */
export interface ChannelSource<B> {
  /** The first packet of every RunStream (usually the frame schema), so late joiners get field names. */
  schemaPacket(): EncodedPacket | undefined;
  /**
   * Produces batches through `emit` until `signal` aborts. Returning before that, or throwing, counts
   * as a transient failure: the hub calls `run` again after a backoff. Emit at most one
   * packet's worth per call; the hub holds batches only until the next packet is due.
   */
  run(emit: (batch: B) => void, signal: AbortSignal): Promise<void>;
  /** Merges the batches gathered since the last packet into one data-only packet. */
  encode(batches: readonly B[]): EncodedPacket;
}

export interface HubObserver {
  channelOpened?(path: string): void;
  channelClosed?(path: string): void;
  /** A packet handed to one RunStream's sender. */
  packetSent?(path: string, packet: EncodedPacket): void;
  /** A packet a slow RunStream will never see (newest-wins buffer overflowed). */
  packetDropped?(path: string, packet: EncodedPacket): void;
  upstreamFailed?(path: string, error: unknown, retryInMs: number): void;
}

export interface LiveHubOptions {
  /** Packet budget per channel; packets are at least 1000/N ms apart. */
  maxPacketsPerSecond: number;
  /** Packets held for a RunStream whose transport is full before the oldest is dropped. Default 16. */
  subscriberQueuePackets?: number;
  /** Bytes held for such a RunStream before the oldest packet is dropped (the newest is always kept). Default 1 MiB. */
  subscriberQueueBytes?: number;
  /** Upstream restart backoff: first delay and cap, ms. Defaults 100 and 5000. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  clock?: Clock;
  observer?: HubObserver;
  logger?: Logger;
}

/** A failing upstream that ran this long is considered healthy again: backoff restarts from the first delay. */
const HEALTHY_RUN_MS = 10_000;

class Channel<B> {
  readonly subscribers = new Set<Subscriber>();
  private pending: B[] = [];
  /** Epoch-aligned slot (1000/N ms wide) of the last packet: at most one packet per slot. */
  private lastSlot = Number.NEGATIVE_INFINITY;
  private flushTimer: unknown;
  private readonly upstream = new AbortController();
  private isStopped = false;
  private readonly packetsPerSecond: number;

  constructor(
    readonly path: string,
    private readonly source: ChannelSource<B>,
    private readonly options: Required<Pick<LiveHubOptions, 'retryInitialMs' | 'retryMaxMs' | 'clock'>> & LiveHubOptions,
  ) {
    this.packetsPerSecond = options.maxPacketsPerSecond;
  }

  start(): void {
    this.runUpstream().catch((error: unknown) => {
      // Only a bug in the retry loop itself gets here; never let it take the process down.
      this.options.logger?.error('live channel: upstream loop crashed', { path: this.path, error: String(error) });
    });
  }

  stop(): void {
    this.isStopped = true;
    this.upstream.abort();
    if (this.flushTimer !== undefined) {
      this.options.clock.clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.pending = [];
    for (const subscriber of this.subscribers) {
      subscriber.close();
    }
    this.subscribers.clear();
  }

  /** Set by stop(); a plain field because emit and flush check it on every packet (AbortSignal's getter costs more). */
  get stopped(): boolean {
    return this.isStopped;
  }

  schemaPacket(): EncodedPacket | undefined {
    try {
      return this.source.schemaPacket();
    } catch (error) {
      this.options.logger?.error('live channel: building the schema packet failed', { path: this.path, error: String(error) });
      return undefined;
    }
  }

  private readonly emit = (batch: B): void => {
    if (this.stopped) {
      return;
    }
    this.pending.push(batch);
    if (this.flushTimer === undefined) {
      this.flushOrWait();
    }
  };

  /**
   * The rate cap uses fixed, epoch-aligned slots of 1000/N ms rather than "N ms since the last packet":
   * a packet that went out late (a busy event loop) does not push every later packet back, so
   * timer jitter never accumulates into latency, and a calendar second never holds more than N packets.
   */
  private flushOrWait(): void {
    if (this.stopped) {
      return;
    }
    const now = this.options.clock.now();
    // now × N / 1000 keeps slot edges exactly on whole seconds (no 1000/N rounding).
    const slot = Math.floor((now * this.packetsPerSecond) / 1000);
    if (slot > this.lastSlot) {
      this.lastSlot = slot;
      this.flush();
      return;
    }
    this.flushTimer = this.options.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flushOrWait();
    }, Math.ceil(((this.lastSlot + 1) * 1000) / this.packetsPerSecond) - now);
  }

  private flush(): void {
    if (this.pending.length === 0 || this.stopped) {
      return;
    }
    const batches = this.pending;
    this.pending = [];
    let packet: EncodedPacket;
    try {
      packet = this.source.encode(batches);
    } catch (error) {
      this.options.logger?.error('live channel: encoding a packet failed; its samples are skipped', {
        path: this.path,
        error: String(error),
      });
      return;
    }
    for (const subscriber of this.subscribers) {
      subscriber.deliver(packet);
    }
  }

  private async runUpstream(): Promise<void> {
    const { clock, logger, observer, retryInitialMs, retryMaxMs } = this.options;
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

export class LiveHub<B> {
  private readonly channels = new Map<string, Channel<B>>();
  private readonly options: ConstructorParameters<typeof Channel<B>>[2];
  private closed = false;
  /** One finisher per attached RunStream; calling it detaches and resolves that RunStream. */
  private readonly running = new Set<() => void>();

  constructor(options: LiveHubOptions) {
    if (!(options.maxPacketsPerSecond > 0) || !Number.isFinite(options.maxPacketsPerSecond)) {
      throw new RangeError(`maxPacketsPerSecond must be a positive number (got ${options.maxPacketsPerSecond})`);
    }
    this.options = {
      ...options,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5000,
      clock: options.clock ?? systemClock,
    };
  }

  /** Channels with a running upstream. */
  get activeChannels(): number {
    return this.channels.size;
  }

  /** RunStreams attached to `path` (0 when the channel is not running). */
  subscriberCount(path: string): number {
    return this.channels.get(path)?.subscribers.size ?? 0;
  }

  /**
   * Serves one RunStream: attaches `sender` to the channel `path` (starting its upstream with
   * `createSource` if this is the first RunStream) and resolves when `signal` aborts, the sender
   * goes away, or the hub is closed. Never rejects once attached.
   */
  run(path: string, createSource: () => ChannelSource<B>, sender: StreamSender, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.closed) {
      return Promise.resolve();
    }
    let channel = this.channels.get(path);
    if (!channel) {
      let source: ChannelSource<B>;
      try {
        source = createSource();
      } catch (error) {
        return Promise.reject(error);
      }
      channel = new Channel(path, source, this.options);
      this.channels.set(path, channel);
      this.notify(() => this.options.observer?.channelOpened?.(path));
      channel.start();
    }
    const attached = channel;
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) {
          return;
        }
        done = true;
        this.running.delete(finish);
        signal.removeEventListener('abort', finish);
        subscriber.close();
        attached.subscribers.delete(subscriber);
        if (attached.subscribers.size === 0 && this.channels.get(path) === attached) {
          this.channels.delete(path);
          attached.stop();
          this.notify(() => this.options.observer?.channelClosed?.(path));
        }
        resolve();
      };
      const capacity = { packets: this.options.subscriberQueuePackets ?? 16, bytes: this.options.subscriberQueueBytes ?? 1024 * 1024 };
      const subscriber: Subscriber = new Subscriber(sender, capacity, {
        sent: (packet) => this.notify(() => this.options.observer?.packetSent?.(path, packet)),
        dropped: (packet) => this.notify(() => this.options.observer?.packetDropped?.(path, packet)),
        ended: finish,
      });
      attached.subscribers.add(subscriber);
      signal.addEventListener('abort', finish, { once: true });
      this.running.add(finish);
      const schema = attached.schemaPacket();
      if (schema) {
        subscriber.deliver(schema);
      }
    });
  }

  /** Stops every channel and resolves every pending RunStream (process or instance shutdown). */
  close(): void {
    this.closed = true;
    for (const finish of [...this.running]) {
      finish();
    }
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.logger?.warn('live hub observer failed', { error: String(error) });
    }
  }
}
