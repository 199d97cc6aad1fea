/**
 * A message channel on the SDK's live hub, with the real buffer (backend/src/sources/buffer) and the
 * real payload mapping behind it; only the broker is left out (the buffer ring is filled directly, as
 * the MQTT connection does). The transport stand-in below is a test adapter over the real ring.
 */
import { LiveHub } from '@tributary/grafana-backend-sdk/live';
import { RecordingSender } from '@tributary/grafana-backend-sdk/testing';
import { DEFAULT_BUFFER_SETTINGS } from '../../../../src/shared/mqtt';
import { MessageBuffer, type MessageRing } from '../buffer';
import type { ConnectionState, Subscription } from '../contracts';
import { payloadMapper } from './bindings';
import { MessageChannelSource, type MessageBatch } from './messageChannelSource';
import type { MessageConnection } from './ports';

interface Harness {
  ring: MessageRing;
  connection: MessageConnection;
  setState(state: ConnectionState): void;
  holders(): number;
}

function harness(): Harness {
  const buffer = new MessageBuffer(DEFAULT_BUFFER_SETTINGS);
  const ring = buffer.createRing('t/#');
  let state: ConnectionState = { state: 'connected', since: Date.now() };
  let holders = 0;
  const subscription = (): Subscription => {
    holders++;
    return {
      filter: 't/#',
      history: (range) => ring.history(range),
      follow: (afterSeq, listener) => ring.follow(afterSeq, listener),
      stats: () => ring.stats(),
      release: () => {
        holders--;
      },
    };
  };
  return {
    ring,
    connection: { endpoint: 'the broker mqtt://test', subscribe: subscription, seriesFilter: (f) => f, describeStream: (f) => f, state: () => state, probe: () => Promise.reject(new Error('not used')), close: () => undefined },
    setState: (next) => {
      state = next;
    },
    holders: () => holders,
  };
}

function source(h: Harness, afterSeq: number | undefined, statePollMs = 1000) {
  return new MessageChannelSource({
    connection: h.connection,
    filter: 't/#',
    createEncoder: (history, seq) => payloadMapper.streamEncoder({ format: 'number', timeSource: 'arrival' }, '', { topicFilter: 't/#', afterSeq: seq, history }),
    afterSeq,
    fromMs: 0,
    brokerName: 'the broker mqtt://test',
    statePollMs,
  });
}

type Packet = { schema?: { meta?: { notices?: Array<{ text: string }> } }; data?: { values: unknown[][] } };
const parse = (sender: RecordingSender): Packet[] => sender.packets.map((p) => JSON.parse(p.text));
const valuesOf = (packets: Packet[]) => packets.flatMap((p) => (p.data?.values.length ? (p.data.values.slice(1).flat().filter((v) => v !== null) as number[]) : []));
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MessageChannelSource on the live hub', () => {
  it('starts right after the answer it continues: no gap, no duplicate, and releases its subscription', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.ring.append('t/a', Buffer.from(String(i)));
    const answeredUpTo = h.ring.lastSeq; // the QueryData answer held 0..4
    h.ring.append('t/a', Buffer.from('5')); // arrived before the RunStream started
    const hub = new LiveHub<MessageBatch>({ maxPacketsPerSecond: 50 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const running = hub.run('p', () => source(h, answeredUpTo), sender, stop.signal);
    for (let i = 6; i < 10; i++) h.ring.append('t/a', Buffer.from(String(i)));
    await tick(100);
    stop.abort();
    await running;
    expect(valuesOf(parse(sender))).toEqual([5, 6, 7, 8, 9]);
    expect(h.holders()).toBe(0);
  });

  it('keeps pacing under a burst and loses nothing for a reader that keeps up', async () => {
    const h = harness();
    const hub = new LiveHub<MessageBatch>({ maxPacketsPerSecond: 10 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const running = hub.run('p', () => source(h, 0), sender, stop.signal);
    const started = Date.now();
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 50; i++) h.ring.append('t/a', Buffer.from(String(burst * 50 + i)));
      await tick(25);
    }
    await tick(250);
    stop.abort();
    await running;
    const packets = parse(sender);
    expect(valuesOf(packets)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // ≤ 10 packets per second (+1 for the schema packet and +1 for a slot edge), over ~0.75 s of bursts.
    const seconds = (Date.now() - started) / 1000;
    expect(sender.packets.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);
  });

  it('says when the broker connection is lost and when it is back', async () => {
    const h = harness();
    const hub = new LiveHub<MessageBatch>({ maxPacketsPerSecond: 50 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const running = hub.run('p', () => source(h, 0, 20), sender, stop.signal);
    h.ring.append('t/a', Buffer.from('1'));
    await tick(60);
    h.setState({ state: 'failing', since: Date.now(), error: 'connection refused', retryInMs: 1000 });
    await tick(60);
    h.setState({ state: 'connected', since: Date.now() });
    await tick(60);
    h.ring.append('t/a', Buffer.from('2'));
    await tick(60);
    stop.abort();
    await running;
    const packets = parse(sender);
    const texts = packets.flatMap((p) => p.schema?.meta?.notices?.map((n) => n.text) ?? []);
    expect(texts).toEqual([
      expect.stringMatching(/^Not connected to the broker mqtt:\/\/test since .*: connection refused/),
      expect.stringMatching(/^Reconnected to the broker mqtt:\/\/test at .* and subscribed again/),
    ]);
    expect(valuesOf(packets)).toEqual([1, 2]);
  });

  it('a position from another process continues from now and says so', async () => {
    const h = harness();
    h.ring.append('t/a', Buffer.from('1'));
    const hub = new LiveHub<MessageBatch>({ maxPacketsPerSecond: 50 });
    const sender = new RecordingSender();
    const stop = new AbortController();
    const running = hub.run('p', () => source(h, undefined), sender, stop.signal);
    h.ring.append('t/a', Buffer.from('2'));
    await tick(60);
    stop.abort();
    await running;
    const packets = parse(sender);
    expect(valuesOf(packets)).toEqual([2]);
    expect(packets.flatMap((p) => p.schema?.meta?.notices?.map((n) => n.text) ?? [])).toEqual([expect.stringMatching(/backend restarted/)]);
  });
});
