import { LiveHub, type ChannelSource, type EncodedPacket, type GridChannelSource } from './hub';
import { systemClock } from './clock';
import { RecordingSender } from '../testing/recording-sender';

/** A ticking source: every `everyMs` it emits the next sample number. Counts its own runs. */
class TickSource implements ChannelSource<number[]> {
  runs = 0;
  running = 0;
  emitted = 0;
  failFirstRuns = 0;
  constructor(private readonly everyMs: number) {}

  schemaPacket(): EncodedPacket {
    return { bytes: Buffer.from('{"schema":{"fields":[{"name":"n","type":"number"}]}}'), points: 0 };
  }

  run(emit: (batch: number[]) => void, signal: AbortSignal): Promise<void> {
    this.runs++;
    if (this.runs <= this.failFirstRuns) {
      return Promise.reject(new Error(`transient failure ${this.runs}`));
    }
    this.running++;
    return new Promise((resolve) => {
      const tick = () => {
        emit([this.emitted++]);
        timer = setTimeout(tick, this.everyMs);
      };
      let timer = setTimeout(tick, this.everyMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        this.running--;
        resolve();
      });
    });
  }

  encode(batches: readonly number[][]): EncodedPacket {
    const values = batches.flat();
    return { bytes: Buffer.from(JSON.stringify({ data: { values: [values] } })), points: values.length };
  }
}

/** A grid source whose row values are their step numbers; records when and what it was asked for. */
class StepGrid implements GridChannelSource {
  readonly kind = 'grid';
  readonly pointsPerRow = 1;
  encodes: { at: number; first: number; rows: number }[] = [];
  constructor(
    readonly intervalMs: number,
    readonly maxRowsPerPacket = 1000,
    readonly rowsKnownAhead = false,
  ) {}
  schemaPacket(): EncodedPacket {
    return { bytes: Buffer.from('{"schema":{"fields":[{"name":"step","type":"number"}]}}'), points: 0 };
  }
  encodeRows(first: number, rows: number): EncodedPacket {
    this.encodes.push({ at: Date.now(), first, rows });
    const steps = Array.from({ length: rows }, (_, i) => first + i);
    return { bytes: Buffer.from(JSON.stringify({ data: { values: [steps] } })), points: rows };
  }
}

function dataValues(sender: RecordingSender): number[][] {
  return sender
    .json()
    .filter((p): p is { data: { values: number[][] } } => typeof p === 'object' && p !== null && 'data' in p)
    .map((p) => p.data.values[0]);
}

describe('LiveHub', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('shares one upstream between two RunStreams of a path and sends them identical packets', async () => {
    const source = new TickSource(50);
    const create = jest.fn(() => source);
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20, clock: systemClock });
    const a = new RecordingSender();
    const b = new RecordingSender();
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = hub.run('p', create, a, stopA.signal);
    const runB = hub.run('p', create, b, stopB.signal);

    await jest.advanceTimersByTimeAsync(1000);

    expect(create).toHaveBeenCalledTimes(1);
    expect(source.runs).toBe(1);
    expect(hub.activeChannels).toBe(1);
    expect(hub.subscriberCount('p')).toBe(2);
    // schema first, then data-only packets
    expect(Object.keys(a.json()[0] as object)).toEqual(['schema']);
    expect(a.json().slice(1).every((p) => !('schema' in (p as object)))).toBe(true);
    expect(a.packets.map((p) => p.text)).toEqual(b.packets.map((p) => p.text));
    expect(dataValues(a).flat()).toEqual([...Array(20).keys()]);

    stopA.abort();
    await runA;
    expect(source.running).toBe(1); // B still subscribed
    stopB.abort();
    await runB;
    expect(source.running).toBe(0);
    expect(hub.activeChannels).toBe(0);
  });

  it('stops the upstream and every timer as soon as the last RunStream is cancelled', async () => {
    const source = new TickSource(10);
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    let finished = false;
    const run = hub.run('p', () => source, sender, stop.signal).then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(333); // mid-way between two packets: a flush is pending

    stop.abort();
    const packetsAtCancel = sender.packets.length;
    await Promise.resolve();
    await Promise.resolve();
    expect(finished).toBe(true); // resolved without any timer having to fire
    await run;
    expect(source.running).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(sender.packets.length).toBe(packetsAtCancel);
  });

  it('never exceeds maxPacketsPerSecond and still delivers every sample', async () => {
    const source = new TickSource(1); // 1000 samples/s
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('p', () => source, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(5000);
    stop.abort();
    await run;

    const times = sender.packets.slice(1).map((p) => p.at);
    // at most one packet per 50 ms slot, so at most 20 in any calendar second
    const slots = times.map((t) => Math.floor(t / 50));
    slots.slice(1).forEach((slot, i) => expect(slot).toBeGreaterThan(slots[i]));
    const perSecond = new Map<number, number>();
    times.forEach((t) => perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1));
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(20);
    expect(times.length).toBeGreaterThanOrEqual(95);
    expect(dataValues(sender).flat()).toEqual([...Array(source.emitted).keys()].slice(0, dataValues(sender).flat().length));
    expect(dataValues(sender).flat().length).toBeGreaterThan(source.emitted - 60);
  });

  it('does not let one late packet delay the packets after it', async () => {
    // emits on the 50 ms grid, except the first sample which comes 45 ms late
    const emitTimes: number[] = [];
    const source: ChannelSource<number[]> = {
      schemaPacket: () => undefined,
      encode: (batches) => ({ bytes: Buffer.from(JSON.stringify({ data: { values: [batches.flat()] } })), points: batches.length }),
      run: (emit, signal) =>
        new Promise((resolve) => {
          const start = Math.ceil(Date.now() / 50) * 50;
          const delays = [45, 50, 100, 150, 200, 250].map((d) => start + d - Date.now());
          const timers = delays.map((delay, i) => setTimeout(() => (emitTimes.push(Date.now()), emit([i])), delay));
          signal.addEventListener('abort', () => (timers.forEach(clearTimeout), resolve()));
        }),
    };
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('p', () => source, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(400);
    stop.abort();
    await run;
    expect(sender.packets.map((p) => p.at)).toEqual(emitTimes);
  });

  it('sends what arrives in one turn of the event loop as one packet, not its first batch alone', async () => {
    // A transport delivers one socket read as several emits in a row, here into a free packet slot.
    let emitBurst: (() => void) | undefined;
    const source: ChannelSource<number[]> = {
      schemaPacket: () => undefined,
      encode: (batches) => ({ bytes: Buffer.from(JSON.stringify({ data: { values: [batches.flat()] } })), points: batches.length }),
      run: (emit, signal) =>
        new Promise((resolve) => {
          emitBurst = () => [0, 1, 2].forEach((n) => emit([n]));
          signal.addEventListener('abort', () => resolve());
        }),
    };
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('p', () => source, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(60);
    const burstAt = Date.now();
    emitBurst!();
    await jest.advanceTimersByTimeAsync(0);
    // all three at once, in the slot the burst came in (not [0] now and [1, 2] a packet interval later)
    expect(dataValues(sender)).toEqual([[0, 1, 2]]);
    expect(sender.packets.at(-1)!.at).toBe(burstAt);
    stop.abort();
    await run;
  });

  it('keeps a slow reader bounded with a newest-wins buffer and counts what it drops', async () => {
    const source = new TickSource(50);
    const dropped: EncodedPacket[] = [];
    const hub = new LiveHub<number[]>({
      maxPacketsPerSecond: 20,
      subscriberQueuePackets: 4,
      observer: { packetDropped: (_path, packet) => dropped.push(packet) },
    });
    const slow = new RecordingSender();
    const fast = new RecordingSender();
    slow.hasRoom = false; // the schema packet fills the transport
    const stop = new AbortController();
    const runs = [hub.run('p', () => source, slow, stop.signal), hub.run('p', () => source, fast, stop.signal)];

    await jest.advanceTimersByTimeAsync(10_000); // 200 packets while the slow reader is stuck
    expect(slow.packets.length).toBe(1);
    expect(dataValues(fast).flat().length).toBe(200);
    expect(dropped.length).toBe(200 - 4);
    expect(dropped.reduce((n, p) => n + p.points, 0)).toBe(196);

    slow.makeRoom();
    await jest.advanceTimersByTimeAsync(0);
    // the newest four packets arrive, the oldest were dropped
    expect(dataValues(slow).flat()).toEqual([196, 197, 198, 199]);
    await jest.advanceTimersByTimeAsync(100);
    expect(dataValues(slow).flat()).toEqual([196, 197, 198, 199, 200, 201]);
    stop.abort();
    await Promise.all(runs);
  });

  it('also bounds a slow reader by bytes, always keeping the newest packet', async () => {
    const source = new TickSource(50);
    const dropped: EncodedPacket[] = [];
    const hub = new LiveHub<number[]>({
      maxPacketsPerSecond: 20,
      subscriberQueueBytes: 100, // each data packet is ~25 bytes: room for about four
      observer: { packetDropped: (_path, packet) => dropped.push(packet) },
    });
    const slow = new RecordingSender();
    slow.hasRoom = false;
    const stop = new AbortController();
    const run = hub.run('p', () => source, slow, stop.signal);
    await jest.advanceTimersByTimeAsync(5000); // 100 packets
    slow.makeRoom();
    await jest.advanceTimersByTimeAsync(0);
    const kept = slow.packets.slice(1).map((p) => p.text.length);
    expect(kept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100);
    expect(dataValues(slow).flat().at(-1)).toBe(99);
    expect(dropped.length + kept.length).toBe(100);
    stop.abort();
    await run;
  });

  it('ends a RunStream whose peer goes away without touching the others', async () => {
    const source = new TickSource(50);
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20 });
    const gone = new RecordingSender();
    const stays = new RecordingSender();
    const stop = new AbortController();
    const goneRun = hub.run('p', () => source, gone, new AbortController().signal);
    const staysRun = hub.run('p', () => source, stays, stop.signal);
    await jest.advanceTimersByTimeAsync(200);
    gone.close();
    await jest.advanceTimersByTimeAsync(100);
    await goneRun;
    expect(hub.subscriberCount('p')).toBe(1);
    expect(source.running).toBe(1);
    stop.abort();
    await staysRun;
    expect(source.running).toBe(0);
  });

  it('restarts a failing upstream with growing backoff and keeps the RunStream open', async () => {
    const source = new TickSource(50);
    source.failFirstRuns = 3;
    const failures: number[] = [];
    const hub = new LiveHub<number[]>({
      maxPacketsPerSecond: 20,
      observer: { upstreamFailed: (_p, _e, retryInMs) => failures.push(retryInMs) },
    });
    const sender = new RecordingSender();
    const stop = new AbortController();
    let finished = false;
    const run = hub.run('p', () => source, sender, stop.signal).then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(1000);
    expect(failures).toEqual([100, 200, 400]);
    expect(finished).toBe(false);
    expect(source.running).toBe(1);
    expect(dataValues(sender).flat().length).toBeGreaterThan(0);
    stop.abort();
    await run;
  });

  it('close() resolves every RunStream and stops every upstream', async () => {
    const source = new TickSource(50);
    const other = new TickSource(50);
    const hub = new LiveHub<number[]>({ maxPacketsPerSecond: 20 });
    const runs = [
      hub.run('p', () => source, new RecordingSender(), new AbortController().signal),
      hub.run('q', () => other, new RecordingSender(), new AbortController().signal),
    ];
    await jest.advanceTimersByTimeAsync(100);
    hub.close();
    await Promise.all(runs);
    expect(source.running + other.running).toBe(0);
    expect(hub.activeChannels).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects a non-positive packet rate', () => {
    expect(() => new LiveHub({ maxPacketsPerSecond: 0 })).toThrow(/maxPacketsPerSecond/);
  });
});

describe('LiveHub with grid sources', () => {
  const T0 = 1_700_000_000_010; // 10 ms past a 50 ms slot edge
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('sends every row after the start exactly once, on time, within the packet budget', async () => {
    const grid = new StepGrid(10); // 100 rows/s, budget 20 packets/s
    const hub = new LiveHub({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('g', () => grid, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(3000);
    stop.abort();
    await run;

    const start = Math.floor(T0 / 10);
    const end = Math.floor((T0 + 3000) / 50) * 5; // the last slot edge reached
    expect(dataValues(sender).flat()).toEqual(Array.from({ length: end - start }, (_, i) => start + 1 + i));
    const times = sender.packets.slice(1).map((p) => p.at);
    times.slice(1).forEach((t, i) => expect(Math.floor(t / 50)).toBeGreaterThan(Math.floor(times[i] / 50)));
    // packets go out every 50 ms, epoch-aligned, as soon as their newest row is due
    sender.packets.slice(1).forEach((p, i) => expect(p.at).toBe(dataValues(sender)[i].at(-1)! * 10));
    times.forEach((t) => expect(t % 50).toBe(0));
  });

  it('sends a slow grid one packet per row, not one per slot', async () => {
    const grid = new StepGrid(1000);
    const hub = new LiveHub({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('g', () => grid, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(5000);
    stop.abort();
    await run;
    expect(dataValues(sender)).toEqual([1, 2, 3, 4, 5].map((i) => [Math.floor(T0 / 1000) + i]));
    expect(grid.encodes).toHaveLength(5);
  });

  it('after a stall sends the newest rows only and reports the points it skipped', async () => {
    const grid = new StepGrid(10, 100);
    const skipped: number[] = [];
    const hub = new LiveHub({ maxPacketsPerSecond: 20, observer: { pointsSkipped: (_p, points) => skipped.push(points) } });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('g', () => grid, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(100);
    const before = dataValues(sender).flat();
    const packetsBefore = dataValues(sender).length;
    jest.setSystemTime(Date.now() + 10_000); // the process was suspended for 10 s
    await jest.advanceTimersByTimeAsync(100);
    stop.abort();
    await run;
    const packets = dataValues(sender);
    const catchUp = packets[packetsBefore];
    expect(catchUp).toHaveLength(100);
    expect(catchUp[0]).toBe(before.at(-1)! + 1 + skipped[0]);
    expect(skipped).toEqual([1000 - 100 + 5]);
    packets.flat().slice(1).forEach((step, i) => expect(step).toBeGreaterThan(packets.flat()[i]));
  });

  it('follows the wall clock back instead of falling silent', async () => {
    const grid = new StepGrid(50);
    const hub = new LiveHub({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('g', () => grid, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(500);
    const sentBefore = dataValues(sender).length;
    jest.setSystemTime(Date.now() - 3_600_000); // an NTP step back by an hour
    await jest.advanceTimersByTimeAsync(1000);
    stop.abort();
    await run;
    const recent = dataValues(sender).slice(sentBefore).flat();
    expect(recent.length).toBeGreaterThanOrEqual(18);
    recent.forEach((step) => expect(step * 50).toBeLessThanOrEqual(Date.now()));
  });

  it('encodes a rows-known-ahead packet while idle and sends those bytes when due', async () => {
    const grid = new StepGrid(50, 1000, true);
    const hub = new LiveHub({ maxPacketsPerSecond: 20 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const run = hub.run('g', () => grid, sender, stop.signal);
    await jest.advanceTimersByTimeAsync(1000);
    stop.abort();
    await run;
    const sent = sender.packets.slice(1);
    expect(sent.length).toBe(20);
    // every packet was encoded before its time (right after the previous one), exactly once
    expect(grid.encodes.slice(0, sent.length).every((e, i) => e.at < sent[i].at && e.first === dataValues(sender)[i][0])).toBe(true);
    expect(grid.encodes.length).toBe(sent.length + 1); // and the one after, never sent
  });

  it('wakes every channel due at the same instant on one timer', async () => {
    const hub = new LiveHub({ maxPacketsPerSecond: 20 });
    const stop = new AbortController();
    const senders = Array.from({ length: 50 }, () => new RecordingSender());
    const runs = senders.map((sender, i) => hub.run(`g${i}`, () => new StepGrid(50), sender, stop.signal));
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(500);
    expect(jest.getTimerCount()).toBe(1);
    expect(senders.every((s) => s.packets.length === 11)).toBe(true);
    stop.abort();
    await Promise.all(runs);
    expect(jest.getTimerCount()).toBe(0);
  });
});
