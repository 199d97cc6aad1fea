/**
 * Stream packets are written straight from the generated numbers; they must stay the exact bytes of
 * the data part of the frame that QueryData history builds for the same steps.
 */
import type { SignalKind } from '../../../src/shared/query';
import { checkFrame, frameToJSONBytes } from '@tributary/grafana-backend-sdk/frames';
import type { Clock } from '@tributary/grafana-backend-sdk/live';
import { DeadlineScheduler } from '@tributary/grafana-backend-sdk/live';
import type { StreamQuery } from './channelPath';
import { seriesNames, signalFrame } from './frames';
import { SignalGenerator } from './signals';
import { SignalChannelSource, type StepRange } from './streams';

const UID = 'streams-test';

function query(signal: SignalKind, overrides: Partial<StreamQuery> = {}): StreamQuery {
  return { signal, seriesCount: 3, sampleIntervalMs: 50, amplitude: 2.5, offset: 0, periodMs: 1000, alias: '', ...overrides };
}

/** The reference: the general frame builder and writer, as QueryData uses them. */
function referencePacket(q: StreamQuery, first: number, rows: number): string {
  const shape = { names: seriesNames(q), sampleIntervalMs: q.sampleIntervalMs };
  return frameToJSONBytes(checkFrame(signalFrame(shape, new SignalGenerator(q, UID), first, rows)), 'data').toString('utf8');
}

describe('SignalChannelSource packets', () => {
  const now = Math.floor(1_764_341_634_950 / 50);

  it.each<SignalKind>(['random-walk', 'sine', 'square', 'sawtooth', 'counter'])('%s: same bytes as the frame writer, packet after packet', (signal) => {
    const q = query(signal);
    const source = new SignalChannelSource({ query: q, datasourceUid: UID, maxPacketsPerSecond: 20 });
    // Single rows, a catch-up packet after a stall, and a jump back in time.
    const packets: [number, number][] = [
      [now, 1],
      [now + 1, 1],
      [now + 2, 300],
      [now + 302, 2],
      [now - 5000, 1], // wall clock went back
    ];
    for (const [first, rows] of packets) {
      const packet = source.encode([{ first, count: rows }]);
      expect(Buffer.from(packet.bytes).toString('utf8')).toBe(referencePacket(q, first, rows));
      expect(packet.points).toBe(rows * q.seriesCount);
    }
  });

  it('merges contiguous batches into one packet', () => {
    const q = query('sine', { seriesCount: 2 });
    const source = new SignalChannelSource({ query: q, datasourceUid: UID, maxPacketsPerSecond: 20 });
    const packet = source.encode([
      { first: now, count: 2 },
      { first: now + 2, count: 3 },
    ]);
    expect(Buffer.from(packet.bytes).toString('utf8')).toBe(referencePacket(q, now, 5));
  });

  it('keeps the general writer\'s output for values it prints specially (zero offset counter hits 0; tiny amplitudes)', () => {
    const tiny = query('sine', { amplitude: 1e-9 });
    const source = new SignalChannelSource({ query: tiny, datasourceUid: UID, maxPacketsPerSecond: 20 });
    expect(Buffer.from(source.encode([{ first: now, count: 4 }]).bytes).toString('utf8')).toBe(referencePacket(tiny, now, 4));
    const counter = query('counter', { amplitude: -1 });
    const atZero = new SignalChannelSource({ query: counter, datasourceUid: UID, maxPacketsPerSecond: 20 });
    expect(Buffer.from(atZero.encode([{ first: 0, count: 3 }]).bytes).toString('utf8')).toBe(referencePacket(counter, 0, 3));
  });
});

/** A clock the test moves by hand; its single pending timer fires when the test says so. */
class ManualClock implements Clock {
  private timers = new Map<number, () => void>();
  private nextHandle = 1;
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, callback);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  fireAt(time: number): void {
    this.time = time;
    const due = [...this.timers.values()];
    this.timers.clear();
    due.forEach((callback) => callback());
  }
}

const afterCurrentWake = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SignalChannelSource ahead-of-time packets', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sends the packet it encoded while idle, with the same bytes, and builds it fresh after a late wake-up', async () => {
    const q = query('random-walk');
    const step = 35_286_832_699;
    const clock = new ManualClock(step * 50 + 10);
    const source = new SignalChannelSource({ query: q, datasourceUid: UID, maxPacketsPerSecond: 20, clock, scheduler: new DeadlineScheduler(clock) });
    const sent: { range: StepRange; text: string }[] = [];
    const stop = new AbortController();
    const running = source.run((range) => sent.push({ range, text: Buffer.from(source.encode([range]).bytes).toString('utf8') }), stop.signal);

    await afterCurrentWake(); // the next packet (step + 1) is encoded now, before it is due
    const fill = jest.spyOn(SignalGenerator.prototype, 'fill');
    clock.fireAt((step + 1) * 50);
    expect(sent.map((p) => p.range)).toEqual([{ first: step + 1, count: 1 }]);
    expect(fill).not.toHaveBeenCalled(); // nothing generated while the channel was due
    expect(sent[0].text).toBe(referencePacket(q, step + 1, 1));

    // The wake-up comes three steps late: the prepared single-step packet does not fit and is rebuilt.
    await afterCurrentWake();
    clock.fireAt((step + 4) * 50 + 7);
    expect(sent[1].range).toEqual({ first: step + 2, count: 3 });
    expect(sent[1].text).toBe(referencePacket(q, step + 2, 3));

    stop.abort();
    await running;
  });
});
