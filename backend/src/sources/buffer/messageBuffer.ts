/**
 * The history every message source keeps for QueryData: one ring of raw messages per subscription,
 * bounded by age and count per ring and by one memory budget shared by all rings of a datasource
 * (when it is full the oldest message of the whole datasource goes first, whichever ring holds it).
 * Generic over the transport (MQTT today; WebSocket, SSE and HTTP polling reuse it).
 *
 * No timers: age is enforced when a message arrives and whenever the ring is read.
 */
import type { RawMessage, SubscriptionStats } from '../contracts';
import type { BufferSettings } from '../../../../src/shared/mqtt';
import { Deque } from './deque';

/** Largest payload a source accepts; bigger ones are counted (`rejectedOversize`) and never buffered. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/** Bookkeeping counted per buffered message on top of its payload and topic, so the budget tracks real heap use. */
export const MESSAGE_OVERHEAD_BYTES = 128;

export type DropReason = 'age' | 'count' | 'memory';
export type RejectReason = 'oversize';

/** Hooks for metrics (deltas, so several buffers of one datasource add up). */
export interface BufferObserver {
  buffered?(deltaMessages: number, deltaBytes: number): void;
  dropped?(reason: DropReason, count: number): void;
  rejected?(reason: RejectReason): void;
}

export interface MessageBufferOptions {
  observer?: BufferObserver;
  /** Wall clock, ms (tests drive it). */
  now?: () => number;
  maxPayloadBytes?: number;
  /** A follow() listener threw: reported, never propagated to the transport. */
  onListenerError?: (error: unknown) => void;
}

/**
 * Seqs come from one counter for the whole process, so a ring created after another (a subscription
 * that ended and started again) only hands out larger seqs: a stream resuming with an `afterSeq`
 * from the old ring never skips messages of the new one.
 */
let lastSeqInProcess = 0;

interface Stored {
  message: RawMessage;
  bytes: number;
}

/** One datasource's buffers: owns the shared memory budget. */
export class MessageBuffer {
  readonly maxBytes: number;
  readonly maxPayloadBytes: number;
  private totalBytes = 0;
  private totalMessages = 0;
  /** Every buffered message of every ring by seq (= arrival order); entries of messages already gone are skipped lazily. */
  private readonly arrivalOrder = new Deque<{ ring: MessageRing; seq: number }>();
  private readonly rings = new Set<MessageRing>();

  constructor(
    readonly settings: BufferSettings,
    private readonly options: MessageBufferOptions = {},
  ) {
    this.maxBytes = Math.floor(settings.maxMemoryMiB * 1024 * 1024);
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  }

  get now(): () => number {
    return this.options.now ?? Date.now;
  }

  get bufferedBytes(): number {
    return this.totalBytes;
  }

  get bufferedMessages(): number {
    return this.totalMessages;
  }

  /** A new ring (one per subscription). `close()` it when the subscription ends. */
  createRing(name: string): MessageRing {
    const ring = new MessageRing(name, this);
    this.rings.add(ring);
    return ring;
  }

  /** Closes every ring. */
  close(): void {
    for (const ring of [...this.rings]) ring.close();
  }

  /** @internal rings report here */
  nextSeq(): number {
    return ++lastSeqInProcess;
  }

  /** @internal */
  accountAdded(ring: MessageRing, seq: number, bytes: number): void {
    this.totalBytes += bytes;
    this.totalMessages++;
    this.arrivalOrder.push({ ring, seq });
    this.options.observer?.buffered?.(1, bytes);
    this.evictForMemory();
    // Entries of messages dropped by age or count stay until here: compact once they dominate.
    if (this.arrivalOrder.length > 2 * this.totalMessages + 1024) this.compactArrivalOrder();
  }

  /** @internal */
  accountRemoved(count: number, bytes: number, reason: DropReason | 'closed'): void {
    if (count === 0) return;
    this.totalBytes -= bytes;
    this.totalMessages -= count;
    this.options.observer?.buffered?.(-count, -bytes);
    if (reason !== 'closed') this.options.observer?.dropped?.(reason, count);
  }

  /** @internal */
  rejected(reason: RejectReason): void {
    this.options.observer?.rejected?.(reason);
  }

  /** @internal */
  ringClosed(ring: MessageRing): void {
    this.rings.delete(ring);
  }

  /** @internal */
  listenerFailed(error: unknown): void {
    this.options.onListenerError?.(error);
  }

  private evictForMemory(): void {
    while (this.totalBytes > this.maxBytes) {
      const oldest = this.arrivalOrder.shift();
      if (!oldest) return;
      if (oldest.ring.oldestSeq === oldest.seq) oldest.ring.dropOldest('memory');
    }
  }

  private compactArrivalOrder(): void {
    const live: { ring: MessageRing; seq: number }[] = [];
    for (let i = 0; i < this.arrivalOrder.length; i++) {
      const entry = this.arrivalOrder.at(i)!;
      if (entry.ring.holds(entry.seq)) live.push(entry);
    }
    this.arrivalOrder.clear();
    for (const entry of live) this.arrivalOrder.push(entry);
  }
}

/** One subscription's history: messages ordered by seq and (non-decreasing) arrival time. */
export class MessageRing {
  private readonly messages = new Deque<Stored>();
  private readonly listeners = new Set<(messages: RawMessage[]) => void>();
  private bytes = 0;
  private closed = false;
  private lastSeqSeen = 0;
  private readonly counts = { received: 0, droppedByAge: 0, droppedByCount: 0, droppedByMemory: 0, rejectedOversize: 0 };

  constructor(
    readonly name: string,
    private readonly buffer: MessageBuffer,
  ) {}

  /** Seq of the oldest buffered message, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.messages.peek()?.message.seq;
  }

  /** Seq of the newest message appended (0 before the first); stays after the message is dropped. */
  get lastSeq(): number {
    return this.lastSeqSeen;
  }

  holds(seq: number): boolean {
    const oldest = this.oldestSeq;
    return !this.closed && oldest !== undefined && seq >= oldest;
  }

  /**
   * Stores a message and hands it to every follower. Returns it, or undefined when rejected
   * (payload over the size limit, or the ring is closed).
   */
  append(topic: string, payload: Buffer, receivedAtMs = this.buffer.now()): RawMessage | undefined {
    if (this.closed) return undefined;
    this.counts.received++;
    if (payload.length > this.buffer.maxPayloadBytes) {
      this.counts.rejectedOversize++;
      this.buffer.rejected('oversize');
      return undefined;
    }
    // Arrival times must not go backwards (the wall clock can): history() binary-searches them.
    const newest = this.messages.peekLast();
    const at = newest && newest.message.receivedAtMs > receivedAtMs ? newest.message.receivedAtMs : receivedAtMs;
    // A copy: a transport's payload may be a view into a much larger network chunk it would keep alive.
    const message: RawMessage = { topic, payload: Buffer.from(payload), receivedAtMs: at, seq: this.buffer.nextSeq() };
    const bytes = payload.length + topic.length + MESSAGE_OVERHEAD_BYTES;
    this.lastSeqSeen = message.seq;
    this.pruneByAge(at);
    this.messages.push({ message, bytes });
    this.bytes += bytes;
    if (this.messages.length > this.buffer.settings.maxMessages) this.dropOldest('count');
    this.buffer.accountAdded(this, message.seq, bytes);
    const batch = [message];
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.buffer.listenerFailed(error);
      }
    }
    return message;
  }

  /** Buffered messages received in [fromMs, toMs], oldest first (a copy). */
  history(range: { fromMs: number; toMs: number }): RawMessage[] {
    this.pruneByAge(this.buffer.now());
    const from = this.messages.lowerBound((s) => s.message.receivedAtMs >= range.fromMs);
    const to = this.messages.lowerBound((s) => s.message.receivedAtMs > range.toMs);
    return this.messages.slice(from, to).map((s) => s.message);
  }

  /**
   * Every message after `afterSeq`: the buffered ones at once (before this returns), then each new
   * one as it arrives, so history → live has no gap and no duplicate. Returns the unsubscribe.
   */
  follow(afterSeq: number, listener: (messages: RawMessage[]) => void): () => void {
    if (this.closed) return () => {};
    this.pruneByAge(this.buffer.now());
    const start = this.messages.lowerBound((s) => s.message.seq > afterSeq);
    if (start < this.messages.length) {
      const backlog = this.messages.slice(start, this.messages.length).map((s) => s.message);
      try {
        listener(backlog);
      } catch (error) {
        this.buffer.listenerFailed(error);
      }
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): SubscriptionStats {
    this.pruneByAge(this.buffer.now());
    return { ...this.counts, bufferedMessages: this.messages.length, bufferedBytes: this.bytes };
  }

  /** Frees every message and listener; the ring accepts nothing afterwards. */
  close(): void {
    if (this.closed) return;
    this.buffer.accountRemoved(this.messages.length, this.bytes, 'closed');
    this.messages.clear();
    this.bytes = 0;
    this.listeners.clear();
    this.closed = true;
    this.buffer.ringClosed(this);
  }

  /** @internal the buffer evicts through this when the shared budget is full */
  dropOldest(reason: DropReason): void {
    const stored = this.messages.shift();
    if (!stored) return;
    this.bytes -= stored.bytes;
    if (reason === 'age') this.counts.droppedByAge++;
    else if (reason === 'count') this.counts.droppedByCount++;
    else this.counts.droppedByMemory++;
    this.buffer.accountRemoved(1, stored.bytes, reason);
  }

  private pruneByAge(nowMs: number): void {
    const oldestKept = nowMs - this.buffer.settings.maxAgeSeconds * 1000;
    let oldest = this.messages.peek();
    while (oldest && oldest.message.receivedAtMs < oldestKept) {
      this.dropOldest('age');
      oldest = this.messages.peek();
    }
  }
}
