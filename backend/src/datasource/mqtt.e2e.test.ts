/**
 * An MQTT datasource end to end: a real Mosquitto (tests/support/mosquitto.ts), the production entry
 * point bundled and started as a sidecar on a unix socket, driven with Grafana's pluginv2 calls, and
 * the browser half played by `Panel` below: it applies frame-JSON packets the way Grafana's
 * StreamingDataFrame does (a schema replaces the fields, carrying values over by name; data appends).
 * (@grafana/data itself cannot load in the backend jest project; src/streaming.test.ts covers it.)
 *
 * "Refresh" is checked after ~1 s of publishing (not the issue's 60 s: the buffer does not care how
 * long, only that the subscription was held; a short N keeps the suite fast).
 */
import { tableFromIPC } from 'apache-arrow';
import mqtt, { type MqttClient } from 'mqtt';
import path from 'node:path';
import { buildTestBundle, pluginContext, spawnPlugin, type PluginProcess } from '../../test/helpers/harness';
import { Panel, historyFrame, notices, runStream } from '../../test/helpers/liveStream';
import { connect, removeTempDirs, tempDir, unary, type Clients } from '../../../tests/support/goplugin';
import { describeWithMosquitto, MosquittoBroker } from '../../../tests/support/mosquitto';

jest.setTimeout(60_000);

const AUTH = { username: 'grafana', password: 's3cret' };
const UID = 'mqtt-e2e';

let broker: MosquittoBroker;
let publisher: MqttClient;
let bundle: string;
let stateDir: string;
let socket: string;
let plugin: PluginProcess;
let c: Clients;

async function startPlugin(): Promise<void> {
  plugin = spawnPlugin(bundle, { PATH: process.env.PATH, TRIBUTARY_STATE_DIR: stateDir }, ['--listen', `unix:${socket}`]);
  await plugin.waitForMessage('plugin serving');
  c = connect({ network: 'unix', address: socket });
}

async function stopPlugin(): Promise<void> {
  c?.close();
  const exited = new Promise((resolve) => plugin.child.once('exit', resolve));
  plugin.kill();
  await exited;
}

/** Each distinct settings variant gets its own version, as Grafana's "updated" time does on save. */
const versions = new Map<string, number>();

function settings(mqttOverrides: Record<string, unknown> = {}, secure: Record<string, string> = { password: AUTH.password }) {
  const variant = JSON.stringify([mqttOverrides, secure]);
  if (!versions.has(variant)) versions.set(variant, versions.size + 1);
  return {
    ...pluginContext({
      uid: UID,
      lastUpdatedMS: versions.get(variant),
      jsonData: { sourceKind: 'mqtt', maxPacketsPerSecond: 50, mqtt: { url: broker.url, username: AUTH.username, ...mqttOverrides } },
      secure,
    }),
    pluginId: 'tributary-streaming-datasource',
  };
}

function query(refId: string, model: Record<string, unknown>, from: number, to: number): Record<string, unknown> {
  return {
    refId,
    queryType: '',
    maxDataPoints: 1000,
    intervalMS: 100,
    timeRange: { fromEpochMS: from, toEpochMS: to },
    json: Buffer.from(JSON.stringify({ refId, ...model })),
  };
}

async function queryData(model: Record<string, unknown>, headers: Record<string, string> = {}, ctx = settings()) {
  const now = Date.now();
  const res = await unary(c.data, 'QueryData', { pluginContext: ctx, headers, queries: [query('A', model, now - 3_600_000, now)] });
  return res.responses.A as { status: number; error?: string; frames: Buffer[] };
}

/** A first query subscribes its filter; the broker applies a subscription a moment later. */
async function subscribeFirst(model: Record<string, unknown>): Promise<void> {
  expect((await queryData(model)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 300));
}

async function publish(topic: string, payloads: unknown[], gapMs = 5): Promise<void> {
  for (const payload of payloads) {
    await publisher.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
}

/** A RunStream read as the browser would; a timeout names the plugin's recent log. */
const openStream = (streamPath: string, ctx = settings()) => runStream(c, ctx, streamPath, () => `plugin log: ${plugin.stderrText().slice(-3000)}`);

describeWithMosquitto('MQTT datasource against Mosquitto', () => {
  beforeAll(async () => {
    broker = await MosquittoBroker.start({ auth: AUTH });
    publisher = await mqtt.connectAsync(broker.url, { ...AUTH, clientId: 'e2e-publisher' });
    bundle = buildTestBundle('tributary-mqtt-e2e', 'backend/src/main.ts');
    stateDir = tempDir('trib-state-');
    socket = path.join(tempDir('trib-mqtt-'), 'plugin.sock');
    await startPlugin();
  });

  afterAll(async () => {
    c?.close();
    plugin?.kill();
    await publisher?.endAsync();
    await broker?.close();
    removeTempDirs();
  });

  test('Save & test: a sample of the first message, "no message" when quiet, the exact error for a wrong password', async () => {
    await publisher.publishAsync('health/t', '{"ok":true}', { qos: 1, retain: true });
    const ok = await unary(c.diagnostics, 'CheckHealth', { pluginContext: settings({ testTopic: 'health/t' }) });
    expect(ok.status).toBe('OK');
    expect(ok.message).toMatch(/received a message on "health\/t"/);
    expect(ok.message).toMatch(/Datasource connection: (connected|connecting)/);
    expect(JSON.parse(Buffer.from(ok.jsonDetails).toString()).sample).toMatchObject({ topic: 'health/t', payload: '{"ok":true}' });

    const quiet = await unary(c.diagnostics, 'CheckHealth', { pluginContext: settings({ testTopic: 'nothing/here' }) });
    expect(quiet.status).toBe('OK');
    expect(quiet.message).toMatch(/no message on "nothing\/here" within 3 s/);

    const bad = await unary(c.diagnostics, 'CheckHealth', { pluginContext: settings({ testTopic: 'health/t' }, { password: 'not-the-Pa55word' }) });
    expect(bad.status).toBe('ERROR');
    expect(bad.message).toMatch(/bad user name or password|not authori[sz]ed/i);
    const details = JSON.parse(Buffer.from(bad.jsonDetails).toString());
    expect(JSON.stringify(details)).not.toContain('not-the-Pa55word'); // the secret never comes back
  });

  test('settings that cannot work are named before connecting', async () => {
    const bad = await unary(c.diagnostics, 'CheckHealth', { pluginContext: settings({ url: 'http://broker' }, { tlsClientCert: 'x' }) });
    expect(bad.status).toBe('ERROR');
    expect(bad.message).toMatch(/mqtt.url must start with mqtt:\/\//);
    expect(bad.message).toMatch(/client certificate is set without its private key/);
  });

  test('refresh: QueryData after publishing returns those rows, wildcard topics as labelled series; alerts get no channel', async () => {
    const model = { topic: 'sensors/+/temp', withStreaming: false, mapping: { format: 'json', timeSource: 'arrival', topicPattern: 'sensors/{device}/temp' } };
    await subscribeFirst(model);
    await publish('sensors/a/temp', [1, 2, 3].map((v) => ({ value: v })), 20);
    await publish('sensors/b/temp', [10, 20].map((v) => ({ value: v })), 20);
    await new Promise((r) => setTimeout(r, 300));

    const res = await queryData(model);
    expect(res.status).toBe(200);
    const series = res.frames.map((bytes) => {
      const table = tableFromIPC(bytes);
      const value = table.schema.fields.find((f) => f.name === 'value')!;
      return { labels: JSON.parse(value.metadata.get('labels') ?? '{}'), values: Array.from(table.getChild('value')!.toArray() as Float64Array) };
    });
    expect(series).toEqual([
      { labels: expect.objectContaining({ device: 'a' }), values: [1, 2, 3] },
      { labels: expect.objectContaining({ device: 'b' }), values: [10, 20] },
    ]);

    const streaming = await queryData({ ...model, withStreaming: true });
    expect(historyFrame(streaming.frames).channel).toMatch(new RegExp(`^ds/${UID}/m1/`));
    const alert = await queryData({ ...model, withStreaming: true }, { FromAlert: 'true' });
    expect(historyFrame(alert.frames).channel).toBeUndefined();

    const bad = await queryData({ topic: 'sensors/#/x' });
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/"topic".*"#" must be the whole last level/);
  });

  test('the stream continues the history with no gap and no duplicate', async () => {
    const model = { topic: 'gap/t', withStreaming: true, mapping: { format: 'json', timeSource: 'arrival' } };
    await subscribeFirst(model);
    await publish('gap/t', [0, 1, 2, 3, 4].map((n) => ({ n })));
    await new Promise((r) => setTimeout(r, 200));
    const history = historyFrame((await queryData(model)).frames);
    expect(history.channel).toBeDefined();
    expect(new Panel(history.json).column(/^n/)).toEqual([0, 1, 2, 3, 4]);

    // Published between the QueryData answer and the RunStream start: must come first on the stream.
    await publish('gap/t', [5, 6, 7].map((n) => ({ n })));
    const streamPath = history.channel!.split('/').slice(2).join('/');
    expect((await unary(c.stream, 'SubscribeStream', { pluginContext: settings(), path: streamPath })).status).toBe('OK');
    const stream = openStream(streamPath);
    await publish('gap/t', [8, 9, 10, 11].map((n) => ({ n })), 10);
    await stream.until(() => Panel.of(history.json, stream.packets).column(/^n/).length >= 12, 'rows 5..11');
    await stream.cancel();
    const panel = Panel.of(history.json, stream.packets);
    expect(panel.column(/^n/)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const times = panel.column(/^time$/i) as number[];
    times.slice(1).forEach((t, i) => expect(t).toBeGreaterThan(times[i]));
  });

  test('a broker restart mid-stream: the stream resumes and its frames say what happened', async () => {
    const model = { topic: 'restart/t', withStreaming: true, mapping: { format: 'number', timeSource: 'arrival' } };
    await subscribeFirst(model);
    await publish('restart/t', ['1']);
    await new Promise((r) => setTimeout(r, 200));
    const history = historyFrame((await queryData(model)).frames);
    const stream = openStream(history.channel!.split('/').slice(2).join('/'));
    await publish('restart/t', ['2']);
    await stream.until(() => Panel.of(history.json, stream.packets).firstValues().includes(2), 'value 2');

    await broker.restart();
    // A quick restart may fall between two looks at the connection: the reconnected notice is always there.
    await stream.until(() => notices(stream.packets).some((t) => /Reconnected to the broker .* subscribed again/.test(t)), 'the reconnected notice');
    await publisher.endAsync();
    publisher = await mqtt.connectAsync(broker.url, { ...AUTH, clientId: 'e2e-publisher' });
    await publish('restart/t', ['3']);
    await stream.until(() => Panel.of(history.json, stream.packets).firstValues().includes(3), 'value 3 after the restart');
    await stream.cancel();
    expect(Panel.of(history.json, stream.packets).firstValues()).toEqual([1, 2, 3]);
  });

  test('a 300-character topic: the channel path obeys Grafana rules, and the stream survives a sidecar restart', async () => {
    const topic = `long/${'abcdefghij0123456789'.repeat(15).split('').map((ch, i) => (i % 7 === 3 ? `${ch}/` : ch)).join('')}`.slice(0, 300);
    const model = { topic, withStreaming: true, mapping: { format: 'number', timeSource: 'arrival' } };
    await subscribeFirst(model);
    await publish(topic, ['41']);
    await new Promise((r) => setTimeout(r, 200));
    const history = historyFrame((await queryData(model)).frames);
    const channel = history.channel!;
    expect(channel.length).toBeLessThanOrEqual(160);
    expect(channel).toMatch(/^ds\/mqtt-e2e\/m1\/p=[a-z0-9.]+\/h=[A-Za-z0-9_-]{22}$/);
    const streamPath = channel.split('/').slice(2).join('/');

    // The sidecar restarts; Grafana calls RunStream again with the same path and nothing else.
    await stopPlugin();
    await startPlugin();
    expect((await unary(c.stream, 'SubscribeStream', { pluginContext: settings(), path: streamPath })).status).toBe('OK');
    const stream = openStream(streamPath);
    await stream.until(() => notices(stream.packets).some((t) => /backend restarted/.test(t)), 'the restart notice');
    await publish(topic, ['42']);
    await stream.until(() => stream.packets.some((p) => (p.data?.values[1] ?? []).includes(42)), 'value 42');
    await stream.cancel();
  });

  test('variables: the topics seen under a filter', async () => {
    await publisher.publishAsync('vars/x/1', '1', { qos: 1, retain: true });
    await publisher.publishAsync('vars/y/1', '1', { qos: 1, retain: true });
    await publisher.publishAsync('vars/y/2', '1', { qos: 1, retain: true });
    const call = async (url: string) => {
      const chunks: Array<{ code: number; body: Buffer }> = [];
      await new Promise<void>((resolve, reject) => {
        const stream = c.resource.CallResource({ pluginContext: settings(), path: url.split('?')[0], method: 'GET', url });
        stream.on('data', (m: { code: number; body: Buffer }) => chunks.push(m));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      return { code: chunks[0].code, body: JSON.parse(Buffer.concat(chunks.map((m) => Buffer.from(m.body))).toString()) };
    };
    expect(await call('topics?filter=vars%2F%2B%2F1')).toEqual({ code: 200, body: ['vars/x/1', 'vars/y/1'] });
    expect(await call('topics?filter=vars%2F%23')).toEqual({ code: 200, body: ['vars/x/1', 'vars/y/1', 'vars/y/2'] });
    const bad = await call('topics?filter=a%2F%23%2Fb');
    expect(bad.code).toBe(400);
    expect(bad.body.error).toMatch(/"#" must be the whole last level/);
  });
});
