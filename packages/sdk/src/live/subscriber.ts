/**
 * One RunStream's view of a channel: writes packets to its StreamSender and, while the transport
 * reports no room, keeps only the newest packets — at most `capacity.packets` of them and at most
 * `capacity.bytes` in all (the newest one is always kept); older ones are dropped and counted.
 * Memory per slow reader is therefore bounded whatever the channel's rate.
 */
import type { StreamSender } from '../types';

export interface EncodedPacket {
  bytes: Uint8Array;
  /** Data points (rows × value fields) in the packet, for metrics and drop accounting. */
  points: number;
}

export interface SubscriberEvents {
  sent(packet: EncodedPacket): void;
  dropped(packet: EncodedPacket): void;
  /** The sender failed or the peer went away: this subscriber is finished. */
  ended(): void;
}

export interface QueueCapacity {
  packets: number;
  bytes: number;
}

export class Subscriber {
  private readonly queue: EncodedPacket[] = [];
  private queuedBytes = 0;
  private waitingForRoom = false;
  private finished = false;

  constructor(
    private readonly sender: StreamSender,
    private readonly capacity: QueueCapacity,
    private readonly events: SubscriberEvents,
  ) {}

  get ended(): boolean {
    return this.finished;
  }

  /** Packets held back because the transport is full. */
  get queued(): number {
    return this.queue.length;
  }

  deliver(packet: EncodedPacket): void {
    if (this.finished) {
      return;
    }
    if (this.waitingForRoom) {
      this.queue.push(packet);
      this.queuedBytes += packet.bytes.length;
      while (this.queue.length > 1 && (this.queue.length > this.capacity.packets || this.queuedBytes > this.capacity.bytes)) {
        this.dropOldest();
      }
      return;
    }
    this.write(packet);
  }

  /** Bytes held back because the transport is full. */
  get queuedByteCount(): number {
    return this.queuedBytes;
  }

  /** Stops delivering; idempotent. Does not call `ended` (the owner already knows). */
  close(): void {
    this.finished = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private dropOldest(): void {
    const oldest = this.queue.shift()!;
    this.queuedBytes -= oldest.bytes.length;
    this.events.dropped(oldest);
  }

  private takeOldest(): EncodedPacket {
    const oldest = this.queue.shift()!;
    this.queuedBytes -= oldest.bytes.length;
    return oldest;
  }

  private write(packet: EncodedPacket): void {
    if (this.sender.closed) {
      this.end();
      return;
    }
    let hasRoom: boolean;
    try {
      hasRoom = this.sender.sendBytes(packet.bytes);
    } catch {
      this.end();
      return;
    }
    this.events.sent(packet);
    if (!hasRoom) {
      this.waitingForRoom = true;
      this.sender.drained().then(
        () => this.onDrained(),
        () => this.end(),
      );
    }
  }

  private onDrained(): void {
    this.waitingForRoom = false;
    while (!this.finished && !this.waitingForRoom && this.queue.length > 0) {
      this.write(this.takeOldest());
    }
  }

  private end(): void {
    if (!this.finished) {
      this.close();
      this.events.ended();
    }
  }
}
