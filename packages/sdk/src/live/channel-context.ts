/** What every channel of one hub shares: the clock, the one wake-up timer, the packet budget and the reporting. */
import type { Logger } from '../types';
import type { Clock } from './clock';
import type { DeadlineScheduler } from './deadlines';
import type { EncodedPacket } from './subscriber';
import type { Subscriber } from './subscriber';

export interface HubObserver {
  channelOpened?(path: string): void;
  channelClosed?(path: string): void;
  /** A packet handed to one RunStream's sender. */
  packetSent?(path: string, packet: EncodedPacket): void;
  /** A packet a slow RunStream will never see (newest-wins buffer overflowed). */
  packetDropped?(path: string, packet: EncodedPacket): void;
  /** Points of a grid channel never sent because the process fell behind by more than `maxRowsPerPacket` rows. */
  pointsSkipped?(path: string, points: number): void;
  upstreamFailed?(path: string, error: unknown, retryInMs: number): void;
}

export interface ChannelContext {
  clock: Clock;
  /** One timer per wake-up instant for all channels of the hub. */
  scheduler: DeadlineScheduler;
  maxPacketsPerSecond: number;
  retryInitialMs: number;
  retryMaxMs: number;
  observer?: HubObserver;
  logger?: Logger;
}

/** The part every channel kind shares: its RunStreams, the schema packet and fan-out of packets. */
export abstract class FanOutChannel {
  readonly subscribers = new Set<Subscriber>();
  /** Set by stop(); a plain field because the per-packet paths check it (AbortSignal's getter costs more). */
  protected stopped = false;

  constructor(
    readonly path: string,
    protected readonly context: ChannelContext,
    private readonly buildSchema: () => EncodedPacket | undefined,
  ) {}

  abstract start(): void;

  /** Stops producing and closes every subscriber; idempotent. */
  stop(): void {
    this.stopped = true;
    this.halt();
    for (const subscriber of this.subscribers) {
      subscriber.close();
    }
    this.subscribers.clear();
  }

  /** Cancels the channel's own wake-ups and upstream. */
  protected abstract halt(): void;

  schemaPacket(): EncodedPacket | undefined {
    try {
      return this.buildSchema();
    } catch (error) {
      this.context.logger?.error('live channel: building the schema packet failed', { path: this.path, error: String(error) });
      return undefined;
    }
  }

  /** Encodes with `encode` and hands the same bytes to every RunStream; an encoding error skips the packet. */
  protected publish(encode: () => EncodedPacket): void {
    let packet: EncodedPacket;
    try {
      packet = encode();
    } catch (error) {
      this.context.logger?.error('live channel: encoding a packet failed; its samples are skipped', { path: this.path, error: String(error) });
      return;
    }
    this.deliver(packet);
  }

  protected deliver(packet: EncodedPacket): void {
    for (const subscriber of this.subscribers) {
      subscriber.deliver(packet);
    }
  }
}
