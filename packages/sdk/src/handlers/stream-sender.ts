/**
 * StreamSender over a grpc-js server stream. Writes never block; `false` means the transport buffer
 * is full (grpc-js `write()` returned false) and `drained()` resolves on the stream's 'drain'.
 * Every packet must be JSON because Grafana ends the stream on anything else.
 */
import type * as grpc from '@grpc/grpc-js';
import { checkFrame, frameToJSONBytes } from '../frames';
import type { Frame, FrameInclude } from '../frames/model';
import type { StreamSender } from '../types';
import { streamPacket, type WireStreamPacket } from '../wire/convert';

export class StreamClosedError extends Error {
  constructor() {
    super('the stream has ended (cancelled by Grafana or the connection went away)');
    this.name = 'StreamClosedError';
  }
}

export class GrpcStreamSender implements StreamSender {
  private ended = false;
  private needsDrain = false;
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Packets written, for logs and metrics. */
  packets = 0;

  constructor(private readonly call: grpc.ServerWritableStream<unknown, WireStreamPacket>) {
    call.on('drain', () => this.wake());
    const close = (): void => this.close();
    call.on('cancelled', close);
    call.on('close', close);
    call.on('finish', close);
    call.on('error', close);
    if (this.closed) this.close();
  }

  /** Ended by us, cancelled, destroyed, or already ending: a write now would never reach Grafana. */
  get closed(): boolean {
    return this.ended || this.call.cancelled || this.call.destroyed || this.call.writableEnded;
  }

  sendFrame(frame: Frame, include: FrameInclude = 'all'): boolean {
    return this.sendBytes(frameToJSONBytes(checkFrame(frame), include));
  }

  sendJSON(json: Uint8Array | string): boolean {
    const text = typeof json === 'string' ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
    try {
      JSON.parse(text);
    } catch (err) {
      throw new Error(`stream packet is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    return this.sendBytes(typeof json === 'string' ? Buffer.from(json) : json);
  }

  sendBytes(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.packets++;
    const room = this.call.write(streamPacket(bytes));
    if (!room) this.needsDrain = true;
    return room;
  }

  drained(): Promise<void> {
    if (this.closed) return Promise.reject(new StreamClosedError());
    if (!this.needsDrain) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Ends the sender (the handler returned or the call ended). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new StreamClosedError());
  }

  private wake(): void {
    this.needsDrain = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }
}
