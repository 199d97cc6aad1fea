/**
 * MqttConnection against a real Mosquitto on loopback (tests/support/mosquitto.ts): routing, shared
 * refcounted subscriptions, the idle grace, auth and TLS errors in user words, and broker restarts.
 */
import type { MqttClient } from 'mqtt';
import { MosquittoBroker, describeWithMosquitto, freePort } from '../../../../tests/support/mosquitto';
import { Registry } from 'prom-client';
import type { RawMessage } from '../contracts';
import { MAX_PAYLOAD_BYTES } from '../buffer';
import { sourceMetrics, sourceMetricsFor } from '../metrics';
import { MAX_FILTERS_PER_CONNECTION, MqttConnection, type MqttConnectionOptions, type MqttSubscription } from './index';
import { publisher, testBuffer, testSettings, waitFor } from './testSupport';

const all = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER };
const texts = (messages: RawMessage[]) => messages.map((m) => `${m.topic}=${m.payload.toString()}`);

const open: MqttConnection[] = [];
const clients: MqttClient[] = [];
function connection(options: Partial<MqttConnectionOptions> & { settings: MqttConnectionOptions['settings'] }): MqttConnection {
  const created = new MqttConnection({ secure: {}, buffer: testBuffer(), ...options });
  open.push(created);
  return created;
}
async function pub(url: string, options = {}): Promise<MqttClient> {
  const client = await publisher(url, options);
  clients.push(client);
  return client;
}
const connected = (c: MqttConnection) => waitFor('connected', () => c.state().state === 'connected');
const acknowledged = (s: MqttSubscription) => waitFor(`SUBACK for ${s.filter}`, () => s.brokerState() === 'subscribed');

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

describeWithMosquitto('MqttConnection on a plain broker', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await MosquittoBroker.start();
  });
  afterAll(async () => broker?.close());

  it('connects, subscribes and routes each message to every matching filter (+ and #)', async () => {
    const conn = connection({ settings: testSettings(broker.url) });
    await connected(conn);
    const temps = conn.subscribe('sensors/+/temp');
    const everything = conn.subscribe('sensors/#');
    await Promise.all([acknowledged(temps), acknowledged(everything)]);
    const p = await pub(broker.url);
    await p.publishAsync('sensors/a/temp', '21.5');
    await p.publishAsync('sensors/b/humidity', '40');
    await p.publishAsync('other/a/temp', 'nope');
    await p.publishAsync('sensors/c/temp', '19');
    await waitFor('4 routed copies', () => texts(everything.history(all)).length === 3 && texts(temps.history(all)).length === 2);
    expect(texts(temps.history(all))).toEqual(['sensors/a/temp=21.5', 'sensors/c/temp=19']);
    expect(texts(everything.history(all))).toEqual(['sensors/a/temp=21.5', 'sensors/b/humidity=40', 'sensors/c/temp=19']);
    expect(conn.state()).toMatchObject({ state: 'connected' });
  });

  it('shares one broker subscription between holders and releases it after the idle grace', async () => {
    const conn = connection({ settings: testSettings(broker.url), buffer: testBuffer({ idleGraceSeconds: 0.4 }) });
    await connected(conn);
    const first = conn.subscribe('shared/#');
    const second = conn.subscribe('shared/#');
    await acknowledged(first);
    const p = await pub(broker.url);
    await p.publishAsync('shared/x', 'one');
    await waitFor('message', () => second.history(all).length === 1);
    expect(texts(first.history(all))).toEqual(texts(second.history(all)));
    const subscribes = () => broker.countLog(`Received SUBSCRIBE from ${conn.clientId}`);
    const unsubscribes = () => broker.countLog(`Received UNSUBSCRIBE from ${conn.clientId}`);
    expect(subscribes()).toBe(1);

    // Everybody leaves, a refresh comes back within the grace: same subscription, history kept.
    first.release();
    second.release();
    second.release(); // idempotent
    const again = conn.subscribe('shared/#');
    expect(texts(again.history(all))).toEqual(['shared/x=one']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(conn.filters()).toEqual(['shared/#']);
    expect(subscribes()).toBe(1);

    // Nobody for longer than the grace: unsubscribed at the broker, buffer freed.
    again.release();
    await waitFor('UNSUBSCRIBE at the broker', () => unsubscribes() === 1, 5_000);
    expect(conn.filters()).toEqual([]);
    expect(conn.buffer.bufferedMessages).toBe(0);
  });

  it('counts messages, oversize rejections, buffered rows and the connection state per datasource', async () => {
    const registry = new Registry();
    const metrics = sourceMetricsFor(sourceMetrics(registry), 'ds-1', 'mqtt');
    const conn = connection({ settings: testSettings(broker.url), metrics });
    await connected(conn);
    const sub = conn.subscribe('metered/#');
    await acknowledged(sub);
    const p = await pub(broker.url);
    await p.publishAsync('metered/a', 'small');
    await p.publishAsync('metered/b', Buffer.alloc(MAX_PAYLOAD_BYTES + 1));
    await p.publishAsync('metered/c', 'small too');
    await waitFor('3 messages', () => sub.stats().received === 3);
    expect(sub.stats()).toMatchObject({ received: 3, rejectedOversize: 1, bufferedMessages: 2 });
    const value = async (name: string, labels: Record<string, string>) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    const ds = { datasource_uid: 'ds-1', source: 'mqtt' };
    expect(await value('tributary_source_messages_received_total', ds)).toBe(3);
    expect(await value('tributary_source_messages_rejected_total', { ...ds, reason: 'oversize' })).toBe(1);
    expect(await value('tributary_source_buffered_messages', ds)).toBe(2);
    expect(await value('tributary_source_connection_state', { ...ds, state: 'connected' })).toBe(1);
    expect(await value('tributary_source_connection_state', { ...ds, state: 'failing' })).toBe(0);
    // New settings: the next connection starts, then the old one closes; the state follows the new one.
    const next = connection({ settings: testSettings(broker.url), metrics: sourceMetricsFor(sourceMetrics(registry), 'ds-1', 'mqtt') });
    await connected(next);
    await conn.close();
    expect(await value('tributary_source_buffered_messages', ds)).toBe(0);
    expect(await value('tributary_source_subscriptions', ds)).toBe(0);
    expect(await value('tributary_source_connection_state', { ...ds, state: 'connected' })).toBe(1);
    expect(await value('tributary_source_connection_state', { ...ds, state: 'closed' })).toBe(0);
    await next.close();
    expect(await value('tributary_source_connection_state', { ...ds, state: 'closed' })).toBe(1);
  });

  it('a query (history) continued by follow(lastSeq) sees every message once, in order, while the broker publishes', async () => {
    const conn = connection({ settings: testSettings(broker.url) });
    await connected(conn);
    const sub = conn.subscribe('flow/+');
    await acknowledged(sub);
    const p = await pub(broker.url);
    const total = 300;
    const publishing = (async () => {
      for (let i = 0; i < total; i++) await p.publishAsync(`flow/${i % 3}`, String(i));
    })();
    await waitFor('some history', () => sub.history(all).length >= 50);
    const answered = sub.history(all); // the initial query
    const streamed: RawMessage[] = [];
    const stop = sub.follow(answered[answered.length - 1].seq, (batch) => streamed.push(...batch));
    await publishing;
    await waitFor('every message', () => answered.length + streamed.length >= total);
    stop();
    const values = [...answered, ...streamed].map((m) => Number(m.payload.toString()));
    expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('retries with capped exponential backoff', async () => {
    const port = await freePort(); // nothing listens: every attempt is refused at once
    const conn = connection({
      settings: testSettings(`mqtt://127.0.0.1:${port}`, { reconnectMinMs: 40, reconnectMaxMs: 320 }),
      random: () => 0.5, // jitter pinned: each delay is 3/4 of min·2^(n-1), capped
    });
    const delays: number[] = [];
    let lastFailure = 0;
    await waitFor('6 failures', () => {
      const state = conn.state();
      if (state.state === 'failing' && state.since !== lastFailure) {
        lastFailure = state.since;
        delays.push(state.retryInMs);
      }
      return delays.length >= 6;
    });
    expect(delays).toEqual([30, 60, 120, 240, 240, 240]);
    expect(conn.state()).toMatchObject({ error: `connection refused by 127.0.0.1:${port} (is the broker running and listening on that port?)` });
  });

  it('holds at most MAX_FILTERS_PER_CONNECTION filters: an idle one makes room, else a clear error', async () => {
    const conn = connection({ settings: testSettings(broker.url) });
    await connected(conn);
    const held = Array.from({ length: MAX_FILTERS_PER_CONNECTION }, (_, i) => conn.subscribe(`many/${i}`));
    expect(() => conn.subscribe('many/one-more')).toThrow('too many topic filters in use on this datasource (at most 1000)');
    held[0].release(); // kept warm, but first to go when room is needed
    conn.subscribe('many/one-more');
    expect(conn.filters()).toHaveLength(MAX_FILTERS_PER_CONNECTION);
    expect(conn.filters()).not.toContain('many/0');
    expect(conn.state().state).toBe('connected');
  });

  it('rejects an invalid filter with the reason', () => {
    const conn = connection({ settings: testSettings(broker.url) });
    expect(() => conn.subscribe('a/#/b')).toThrow('invalid topic filter: "#" must be a whole level and the last one');
  });

  it('close() leaves no timer or socket behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').length;
    const conn = new MqttConnection({ settings: testSettings(broker.url), secure: {}, buffer: testBuffer() });
    await connected(conn);
    const sub = conn.subscribe('t/#');
    sub.release(); // idle grace timer running
    await conn.close();
    expect(conn.state().state).toBe('closed');
    await waitFor('resources freed', () =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').length <= before,
    );
  });
});

describeWithMosquitto('MqttConnection login', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await MosquittoBroker.start({ auth: { username: 'grafana', password: 's3cret-pass' } });
  });
  afterAll(async () => broker?.close());

  it('connects with the right password', async () => {
    const conn = connection({ settings: testSettings(broker.url, { username: 'grafana' }), secure: { password: 's3cret-pass' } });
    await connected(conn);
  });

  it('a wrong password fails with the exact reason, keeps retrying and never shows the password', async () => {
    const conn = connection({
      settings: testSettings(broker.url, { username: 'grafana', reconnectMinMs: 50, reconnectMaxMs: 200 }),
      secure: { password: 'wrong-pass' },
    });
    const failing = await waitFor('failing', () => {
      const state = conn.state();
      return state.state === 'failing' ? state : undefined;
    });
    expect(failing.error).toBe('the broker refused the connection: not authorized (CONNACK 5): wrong username or password, or this user or client may not connect');
    expect(failing.retryInMs).toBeGreaterThanOrEqual(25);
    await waitFor('a retry', () => {
      const state = conn.state();
      return state.state === 'connecting' && state.attempt >= 2 && state.lastError === failing.error;
    });
    expect(JSON.stringify(conn.state())).not.toContain('wrong-pass');
  });
});

describeWithMosquitto('MqttConnection refused subscriptions', () => {
  it('says why a refused filter receives nothing, while the others work', async () => {
    const broker = await MosquittoBroker.start({ subscribeAllowed: ['allowed/#'] });
    try {
      const conn = connection({ settings: testSettings(broker.url) });
      const allowed = conn.subscribe('allowed/#');
      const forbidden = conn.subscribe('forbidden/#');
      await acknowledged(allowed);
      await waitFor('SUBACK 0x80', () => forbidden.brokerState() === 'refused');
      expect(forbidden.problem()).toBe(
        'the broker refused the subscription to "forbidden/#" (SUBACK 0x80): not authorized for this topic, or the filter is not allowed',
      );
      expect(allowed.problem()).toBeUndefined();
      expect(conn.state().state).toBe('connected');
    } finally {
      await broker.close();
    }
  });
});

describeWithMosquitto('MqttConnection broker restarts', () => {
  for (const persistence of [false, true]) {
    it(`resubscribes by itself after a restart ${persistence ? 'with' : 'without'} persistence`, async () => {
      const broker = await MosquittoBroker.start({ persistence });
      try {
        const conn = connection({ settings: testSettings(broker.url) });
        await connected(conn);
        const sub = conn.subscribe('plant/+/power');
        await acknowledged(sub);
        let p = await pub(broker.url);
        await p.publishAsync('plant/1/power', 'before');
        await waitFor('first message', () => sub.history(all).length === 1);

        await broker.stop();
        // Health tells the truth while the broker is away.
        const down = await waitFor('not connected', () => {
          const state = conn.state();
          return state.state !== 'connected' ? state : undefined;
        });
        expect(['failing', 'connecting']).toContain(down.state);
        // Down long enough for the backoff to reach its cap (2 s by default).
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        const meanwhile = conn.state();
        const error = meanwhile.state === 'failing' ? meanwhile.error : meanwhile.state === 'connecting' ? meanwhile.lastError : meanwhile.state;
        expect(error).toBe(`connection refused by 127.0.0.1:${broker.port} (is the broker running and listening on that port?)`);

        await broker.start();
        const back = Date.now();
        p = await pub(broker.url);
        let n = 0;
        const resumed = await waitFor(
          'a message after the restart',
          () => {
            void p.publishAsync('plant/1/power', `after-${n++}`).catch(() => {});
            return sub.history(all).find((m) => m.payload.toString().startsWith('after-'));
          },
          15_000,
        );
        const resumeMs = resumed.receivedAtMs - back;
        console.log(`broker restart (${persistence ? 'persistence' : 'no persistence'}): stream resumed ${resumeMs} ms after the broker was back`);
        expect(conn.state().state).toBe('connected');
        expect(texts(sub.history(all))[0]).toBe('plant/1/power=before'); // the buffer kept what it had
        expect(broker.countLog(`Received SUBSCRIBE from ${conn.clientId}`)).toBe(2);
      } finally {
        await broker.close();
      }
    }, 30_000);
  }
});
