/**
 * Stream packets are written from the generated numbers; they must stay the exact bytes of the data
 * part of the frame that QueryData history builds for the same steps, whichever way the live hub
 * gets them (encoded while idle ahead of time, or when due).
 */
import type { SignalKind } from '../../../src/shared/query';
import { checkFrame, frameToJSONBytes } from '@tributary/grafana-backend-sdk/frames';
import { LiveHub, type Clock } from '@tributary/grafana-backend-sdk/live';
import { RecordingSender } from '@tributary/grafana-backend-sdk/testing';
import type { StreamQuery } from './channelPath';
import { SeriesShape } from './series';
import { SignalGenerator } from './signals';
import { SignalChannelSource } from './streams';

const UID = 'streams-test';

function query(signal: SignalKind, overrides: Partial<StreamQuery> = {}): StreamQuery {
  return { signal, seriesCount: 3, sampleIntervalMs: 50, amplitude: 2.5, offset: 0, periodMs: 1000, alias: '', ...overrides };
}

/** The reference: the general frame builder and writer, as QueryData uses them. */
function referencePacket(q: StreamQuery, first: number, rows: number): string {
  return frameToJSONBytes(checkFrame(new SeriesShape(q, UID).frame(first, rows)), 'data').toString('utf8');
}

function source(q: StreamQuery): SignalChannelSource {
  return new SignalChannelSource(new SeriesShape(q, UID));
}

describe('SignalChannelSource packets', () => {
  const now = Math.floor(1_764_341_634_950 / 50);

  it.each<SignalKind>(['random-walk', 'sine', 'square', 'sawtooth', 'counter'])('%s: same bytes as the frame writer, packet after packet', (signal) => {
    const q = query(signal);
    const channel = source(q);
    // Single rows, a catch-up packet after a stall, and a jump back in time.
    const packets: [number, number][] = [
      [now, 1],
      [now + 1, 1],
      [now + 2, 300],
      [now + 302, 2],
      [now - 5000, 1], // wall clock went back
    ];
    for (const [first, rows] of packets) {
      const packet = channel.encodeRows(first, rows);
      expect(Buffer.from(packet.bytes).toString('utf8')).toBe(referencePacket(q, first, rows));
      expect(packet.points).toBe(rows * q.seriesCount);
    }
  });

  it('keeps the general writer\'s output for values it prints specially (zero offset counter hits 0; tiny amplitudes)', () => {
    const tiny = query('sine', { amplitude: 1e-9 });
    expect(Buffer.from(source(tiny).encodeRows(now, 4).bytes).toString('utf8')).toBe(referencePacket(tiny, now, 4));
    const counter = query('counter', { amplitude: -1 });
    expect(Buffer.from(source(counter).encodeRows(0, 3).bytes).toString('utf8')).toBe(referencePacket(counter, 0, 3));
  });

  it('starts every stream with the schema of the history frame', () => {
    const q = query('sine', { alias: 'Pump', seriesCount: 2 });
    const schema = JSON.parse(Buffer.from(source(q).schemaPacket().bytes).toString('utf8')) as { schema: { fields: { name: string }[] } };
    expect(schema.schema.fields.map((f) => f.name)).toEqual(['time', 'Pump 1', 'Pump 2']);
  });
});

/** A clock the test moves by hand; its pending timers fire when the test says so. */
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

describe('a Tributary channel in the live hub', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sends the packet the hub encoded while idle, with the same bytes, and builds it fresh after a late wake-up', async () => {
    const q = query('random-walk');
    const step = 35_286_832_699;
    const clock = new ManualClock(step * 50 + 10);
    const hub = new LiveHub({ maxPacketsPerSecond: 20, clock });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const running = hub.run('path', () => source(q), sender, stop.signal);
    const dataPackets = () => sender.packets.slice(1).map((p) => p.text);

    await afterCurrentWake(); // the next packet (step + 1) is encoded now, before it is due
    const expected = referencePacket(q, step + 1, 1); // built before the spy: it generates values too
    const fill = jest.spyOn(SignalGenerator.prototype, 'fill');
    clock.fireAt((step + 1) * 50);
    expect(fill).not.toHaveBeenCalled(); // nothing generated while the channel was due
    expect(dataPackets()).toEqual([expected]);

    // The wake-up comes three steps late: the prepared single-step packet does not fit and is rebuilt.
    await afterCurrentWake();
    clock.fireAt((step + 4) * 50 + 7);
    expect(dataPackets()[1]).toBe(referencePacket(q, step + 2, 3));
    expect(fill).toHaveBeenCalled();

    stop.abort();
    await running;
  });
});
