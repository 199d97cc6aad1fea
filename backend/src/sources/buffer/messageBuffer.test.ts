import { MAX_PAYLOAD_BYTES, MESSAGE_OVERHEAD_BYTES, MessageBuffer, type DropReason } from './index';
import type { RawMessage } from '../contracts';
import type { BufferSettings } from '../../../../src/shared/mqtt';

const settings = (overrides: Partial<BufferSettings> = {}): BufferSettings => ({
  maxAgeSeconds: 3600,
  maxMessages: 1000,
  maxMemoryMiB: 64,
  idleGraceSeconds: 300,
  ...overrides,
});

function clock(start = 1_700_000_000_000) {
  const state = { now: start };
  return { state, now: () => state.now };
}

const payload = (text: string) => Buffer.from(text);
const texts = (messages: RawMessage[]) => messages.map((m) => m.payload.toString());

describe('MessageBuffer', () => {
  it('keeps messages in order with increasing seqs and answers a time range', () => {
    const time = clock();
    const ring = new MessageBuffer(settings(), { now: time.now }).createRing('a/#');
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      time.state.now += 1000;
      seqs.push(ring.append('a/1', payload(`m${i}`))!.seq);
    }
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])).toBe(true);
    const start = 1_700_000_000_000;
    expect(texts(ring.history({ fromMs: start + 2000, toMs: start + 4000 }))).toEqual(['m1', 'm2', 'm3']);
    expect(texts(ring.history({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('drops by age (when appending and when read) and by count, and counts each', () => {
    const time = clock();
    const drops: Record<string, number> = {};
    const buffer = new MessageBuffer(settings({ maxAgeSeconds: 10, maxMessages: 3 }), {
      now: time.now,
      observer: { dropped: (reason: DropReason, n: number) => (drops[reason] = (drops[reason] ?? 0) + n) },
    });
    const ring = buffer.createRing('t');
    for (let i = 0; i < 5; i++) ring.append('t', payload(`c${i}`));
    expect(texts(ring.history({ fromMs: 0, toMs: Infinity }))).toEqual(['c2', 'c3', 'c4']);
    expect(ring.stats().droppedByCount).toBe(2);
    time.state.now += 11_000; // older than 10 s, noticed on read without any timer
    expect(ring.history({ fromMs: 0, toMs: Infinity })).toEqual([]);
    expect(ring.stats()).toMatchObject({ droppedByAge: 3, bufferedMessages: 0, bufferedBytes: 0 });
    expect(drops).toEqual({ count: 2, age: 3 });
    expect(buffer.bufferedMessages).toBe(0);
  });

  it('shares one memory budget across rings: the oldest message of the datasource goes first', () => {
    const time = clock();
    const buffer = new MessageBuffer(settings({ maxMemoryMiB: 1 }), { now: time.now });
    const a = buffer.createRing('a');
    const b = buffer.createRing('b');
    const size = 100 * 1024;
    const perMessage = size + 1 + MESSAGE_OVERHEAD_BYTES;
    const fits = Math.floor((1024 * 1024) / perMessage); // 10
    // a gets the oldest messages, then b keeps writing: a loses its messages first.
    for (let i = 0; i < 5; i++) a.append('a', Buffer.alloc(size, i));
    for (let i = 0; i < fits; i++) b.append('b', Buffer.alloc(size, i));
    expect(buffer.bufferedBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(a.stats()).toMatchObject({ droppedByMemory: 5, bufferedMessages: 0 });
    expect(b.stats()).toMatchObject({ droppedByMemory: 0, bufferedMessages: fits });
    // and b's own oldest go next
    b.append('b', Buffer.alloc(size));
    expect(b.stats()).toMatchObject({ droppedByMemory: 1, bufferedMessages: fits });
    expect(buffer.bufferedBytes).toBe(fits * perMessage);
  });

  it('rejects and counts oversize payloads without buffering them', () => {
    const rejected: string[] = [];
    const ring = new MessageBuffer(settings(), { observer: { rejected: (r) => rejected.push(r) } }).createRing('t');
    expect(ring.append('t', Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).toBeUndefined();
    expect(ring.append('t', Buffer.alloc(MAX_PAYLOAD_BYTES))).toBeDefined();
    expect(ring.stats()).toMatchObject({ rejectedOversize: 1, bufferedMessages: 1 });
    expect(rejected).toEqual(['oversize']);
  });

  it('follow(afterSeq) continues a history with no gap and no duplicate', () => {
    const ring = new MessageBuffer(settings()).createRing('t');
    for (let i = 0; i < 10; i++) ring.append('t', payload(`h${i}`));
    const history = ring.history({ fromMs: 0, toMs: Infinity }).slice(0, 6); // a query saw h0..h5
    const seen: string[] = [];
    const stop = ring.follow(history[history.length - 1].seq, (batch) => seen.push(...texts(batch)));
    for (let i = 0; i < 3; i++) ring.append('t', payload(`l${i}`));
    stop();
    ring.append('t', payload('after-stop'));
    expect([...texts(history), ...seen]).toEqual([
      'h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'l0', 'l1', 'l2',
    ]);
  });

  it('a ring created later hands out larger seqs, so an old afterSeq never hides new messages', () => {
    const buffer = new MessageBuffer(settings());
    const old = buffer.createRing('t');
    for (let i = 0; i < 5; i++) old.append('t', payload('x'));
    const lastSeq = old.lastSeq;
    old.close();
    const renewed = buffer.createRing('t');
    renewed.append('t', payload('new'));
    const seen: string[] = [];
    renewed.follow(lastSeq, (batch) => seen.push(...texts(batch)));
    expect(seen).toEqual(['new']);
  });

  it('a throwing listener is reported and does not stop the others', () => {
    const errors: unknown[] = [];
    const ring = new MessageBuffer(settings(), { onListenerError: (e) => errors.push(e) }).createRing('t');
    const seen: string[] = [];
    ring.follow(0, () => {
      throw new Error('boom');
    });
    ring.follow(0, (batch) => seen.push(...texts(batch)));
    ring.append('t', payload('ok'));
    expect(seen).toEqual(['ok']);
    expect(errors).toHaveLength(1);
  });

  it('close() frees the bytes and the arrival order stays bounded under count drops', () => {
    const buffer = new MessageBuffer(settings({ maxMessages: 10 }));
    const ring = buffer.createRing('t');
    for (let i = 0; i < 50_000; i++) ring.append('t', payload('x'));
    expect(buffer.bufferedMessages).toBe(10);
    expect((buffer as unknown as { arrivalOrder: { length: number } }).arrivalOrder.length).toBeLessThanOrEqual(2 * 10 + 1024);
    ring.close();
    expect(buffer.bufferedBytes).toBe(0);
    expect(ring.append('t', payload('late'))).toBeUndefined();
  });
});
