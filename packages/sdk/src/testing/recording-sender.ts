/**
 * A recording StreamSender for tests and benchmarks: a test double of the gRPC transport (not of the
 * code under test). It can pretend to be full so backpressure paths can be exercised.
 */
import type { Frame, FrameInclude } from '../frames/model';
import type { StreamSender } from '../types';

export interface SentPacket {
  text: string;
  at: number;
}

export class RecordingSender implements StreamSender {
  readonly packets: SentPacket[] = [];
  /** When false, every send reports "no room" and `drained()` waits for `makeRoom()`. */
  hasRoom = true;
  closed = false;
  /** Called with every packet as it is handed over (for latency measurements). */
  onPacket?: (bytes: Uint8Array) => void;
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private readonly decoder = new TextDecoder();

  constructor(private readonly now: () => number = () => Date.now()) {}

  sendFrame(_frame: Frame, _include?: FrameInclude): boolean {
    throw new Error('RecordingSender.sendFrame is not used by the live hub');
  }

  sendJSON(json: Uint8Array | string): boolean {
    const text = typeof json === 'string' ? json : this.decoder.decode(json);
    JSON.parse(text);
    return this.sendBytes(new TextEncoder().encode(text));
  }

  sendBytes(bytes: Uint8Array): boolean {
    if (this.closed) {
      throw new Error('stream closed');
    }
    this.onPacket?.(bytes);
    this.packets.push({ text: this.decoder.decode(bytes), at: this.now() });
    return this.hasRoom;
  }

  drained(): Promise<void> {
    if (this.closed) {
      return Promise.reject(new Error('stream closed'));
    }
    if (this.hasRoom) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  makeRoom(): void {
    this.hasRoom = true;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.resolve());
  }

  /** The peer went away. */
  close(): void {
    this.closed = true;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.reject(new Error('stream closed')));
  }

  /** Parsed packets. */
  json(): unknown[] {
    return this.packets.map((p) => JSON.parse(p.text));
  }
}
