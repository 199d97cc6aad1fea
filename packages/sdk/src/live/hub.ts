/**
 * A live hub: the one owner of stream timing. One upstream per channel path, shared by every
 * concurrent RunStream of that path (Grafana runs one RunStream per channel per Grafana instance, so
 * several instances on one backend would otherwise duplicate the work). The hub
 *  - starts a channel's source with the first RunStream and stops it when the last one is cancelled;
 *  - decides when each packet goes out: at most `maxPacketsPerSecond` packets per channel, in
 *    epoch-aligned slots, all channels of the hub waking on one timer per instant;
 *  - for push sources, merges the batches gathered since the last packet into the next one; for grid
 *    sources, asks for the rows that have become due (see sources.ts);
 *  - encodes each packet once, so every RunStream gets the same bytes;
 *  - sends each RunStream the schema packet first, then data-only packets;
 *  - keeps slow readers bounded, newest packets kept (see Subscriber), and restarts a failing push
 *    upstream with backoff instead of ending RunStream.
 * It knows nothing about any particular datasource.
 */
import type { Logger, StreamSender } from '../types';
import { systemClock, type Clock } from './clock';
import type { ChannelContext, FanOutChannel, HubObserver } from './channel-context';
import { DeadlineScheduler } from './deadlines';
import { GridChannel } from './grid-channel';
import { PushChannel } from './push-channel';
import type { LiveSource } from './sources';
import { Subscriber } from './subscriber';

export type { HubObserver } from './channel-context';
export type { ChannelSource, EncodedPacket, GridChannelSource, LiveSource } from './sources';

export interface LiveHubOptions {
  /** Packet budget per channel: at most one packet per epoch-aligned slot of 1000/N ms, so at most N in any calendar second. */
  maxPacketsPerSecond: number;
  /** Packets held for a RunStream whose transport is full before the oldest is dropped. Default 16. */
  subscriberQueuePackets?: number;
  /** Bytes held for such a RunStream before the oldest packet is dropped (the newest is always kept). Default 1 MiB. */
  subscriberQueueBytes?: number;
  /** Push upstream restart backoff: first delay and cap, ms. Defaults 100 and 5000. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  clock?: Clock;
  observer?: HubObserver;
  logger?: Logger;
}

/**
 * `B` is the batch type of the hub's push sources (`ChannelSource<B>`); a hub that serves only grid
 * sources can leave it out.
 */
export class LiveHub<B = unknown> {
  private readonly channels = new Map<string, FanOutChannel>();
  private readonly context: ChannelContext;
  private readonly capacity: { packets: number; bytes: number };
  private readonly observer: HubObserver | undefined;
  private readonly logger: Logger | undefined;
  private closed = false;
  /** One finisher per attached RunStream; calling it detaches and resolves that RunStream. */
  private readonly running = new Set<() => void>();

  constructor(options: LiveHubOptions) {
    if (!(options.maxPacketsPerSecond > 0) || !Number.isFinite(options.maxPacketsPerSecond)) {
      throw new RangeError(`maxPacketsPerSecond must be a positive number (got ${options.maxPacketsPerSecond})`);
    }
    const clock = options.clock ?? systemClock;
    this.observer = options.observer;
    this.logger = options.logger;
    this.context = {
      clock,
      scheduler: new DeadlineScheduler(clock, (error) => this.logger?.error('live channel: wake-up failed', { error: String(error) })),
      maxPacketsPerSecond: options.maxPacketsPerSecond,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5000,
      observer: options.observer,
      logger: options.logger,
    };
    this.capacity = { packets: options.subscriberQueuePackets ?? 16, bytes: options.subscriberQueueBytes ?? 1024 * 1024 };
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
   * Serves one RunStream: attaches `sender` to the channel `path` (starting it with `createSource` if
   * this is the first RunStream) and resolves when `signal` aborts, the sender goes away, or the hub
   * is closed. Rejects only when `createSource` throws; never rejects once attached.
   */
  run(path: string, createSource: () => LiveSource<B>, sender: StreamSender, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.closed) {
      return Promise.resolve();
    }
    let channel = this.channels.get(path);
    if (!channel) {
      try {
        const source = createSource();
        channel = source.kind === 'grid' ? new GridChannel(path, source, this.context) : new PushChannel(path, source, this.context);
      } catch (error) {
        return Promise.reject(error);
      }
      this.channels.set(path, channel);
      this.notify(() => this.observer?.channelOpened?.(path));
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
          this.notify(() => this.observer?.channelClosed?.(path));
        }
        resolve();
      };
      const subscriber: Subscriber = new Subscriber(sender, this.capacity, {
        sent: (packet) => this.notify(() => this.observer?.packetSent?.(path, packet)),
        dropped: (packet) => this.notify(() => this.observer?.packetDropped?.(path, packet)),
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
      this.logger?.warn('live hub observer failed', { error: String(error) });
    }
  }
}
