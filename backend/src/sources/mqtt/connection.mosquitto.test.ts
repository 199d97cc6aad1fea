/**
 * MqttConnection against a real Mosquitto on loopback (tests/support/mosquitto.ts): routing, shared
 * refcounted subscriptions, the idle grace, auth and TLS errors in user words, and broker restarts.
 */
import type { MqttClient } from 'mqtt';
import { MosquittoBroker, describeWithMosquitto } from '../../../../tests/support/mosquitto';
import type { RawMessage } from '../contracts';
import { MqttConnection, type MqttConnectionOptions, type MqttSubscription } from './index';
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
    expect(failing.error).toBe('the broker refused the connection: bad username or password (CONNACK 4)');
    expect(failing.retryInMs).toBeGreaterThanOrEqual(25);
    await waitFor('a retry', () => {
      const state = conn.state();
      return state.state === 'connecting' && state.attempt >= 2 && state.lastError === failing.error;
    });
    expect(JSON.stringify(conn.state())).not.toContain('wrong-pass');
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
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(conn.state().state).not.toBe('connected');

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
    });
  }
});
