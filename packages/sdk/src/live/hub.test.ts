import { LiveHub, type ChannelSource, type EncodedPacket } from './hub';
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
