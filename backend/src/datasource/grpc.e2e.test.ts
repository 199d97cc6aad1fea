/**
 * Tributary end to end over the real plugin protocol: the production entry point (backend/src/main.ts)
 * bundled, started as a sidecar on a unix socket, and driven with Grafana's pluginv2 calls.
 */
import { tableFromIPC } from 'apache-arrow';
import path from 'node:path';
import { buildTestBundle, pluginContext, spawnPlugin, type PluginProcess } from '../../test/helpers/harness';
import { connect, tempDir, unary, type Clients } from '../../../tests/support/goplugin';

jest.setTimeout(30_000);

let plugin: PluginProcess;
let c: Clients;

beforeAll(async () => {
  const bundle = buildTestBundle('tributary-e2e', 'backend/src/main.ts');
  const socket = path.join(tempDir('tributary-e2e-'), 'plugin.sock');
  plugin = spawnPlugin(bundle, { PATH: process.env.PATH }, ['--listen', `unix:${socket}`]);
  await plugin.waitForMessage('plugin serving');
  c = connect({ network: 'unix', address: socket });
});

afterAll(() => {
  c?.close();
  plugin?.kill();
});

const ctx = () => ({ ...pluginContext({ uid: 'trib-e2e', jsonData: { maxSeries: 10 } }), pluginId: 'tributary-streaming-datasource' });

function query(refId: string, model: Record<string, unknown>, to = Date.now()): Record<string, unknown> {
  return {
    refId,
    queryType: '',
    maxDataPoints: 50,
    intervalMS: 1000,
    timeRange: { fromEpochMS: to - 60_000, toEpochMS: to },
    json: Buffer.from(JSON.stringify({ refId, ...model })),
  };
}

test('QueryData answers history with a channel, and a bad query fails only itself', async () => {
  const res = await unary(c.data, 'QueryData', {
    pluginContext: ctx(),
    queries: [
      query('A', { signal: 'random-walk', seriesCount: 2, sampleIntervalMs: 1000, intervalMs: 7, withStreaming: true }),
      query('B', { seriesCount: 11 }),
    ],
  });
  expect(res.responses.A.status).toBe(200);
  const table = tableFromIPC(res.responses.A.frames[0]);
  expect(table.schema.fields.map((f) => f.name)).toEqual(['time', 'random-walk-1', 'random-walk-2']);
  expect(table.numRows).toBe(50);
  expect(JSON.parse(table.schema.metadata.get('meta')!).channel).toBe('ds/trib-e2e/v1/random-walk/n=2/i=1000/a=10/o=0');
  expect(res.responses.B.status).toBe(400);
  expect(res.responses.B.error).toMatch(/"seriesCount".*between 1 and 10/);
});

test('SubscribeStream and RunStream deliver the schema, then data continuing the grid, until cancelled', async () => {
  const path = 'v1/counter/n=1/i=50/a=1/o=0';
  const sub = await unary(c.stream, 'SubscribeStream', { pluginContext: ctx(), path });
  expect(sub.status).toBe('OK');
  expect(JSON.parse(Buffer.from(sub.data).toString()).schema.fields.map((f: { name: string }) => f.name)).toEqual(['time', 'counter-1']);
  expect((await unary(c.stream, 'SubscribeStream', { pluginContext: ctx(), path: 'v1/counter/n=11/i=50/a=1/o=0' })).status).toBe('PERMISSION_DENIED');
  expect((await unary(c.stream, 'SubscribeStream', { pluginContext: ctx(), path: 'nope' })).status).toBe('NOT_FOUND');
  expect((await unary(c.stream, 'PublishStream', { pluginContext: ctx(), path })).status).toBe('PERMISSION_DENIED');

  const call = c.stream.RunStream({ pluginContext: ctx(), path });
  const packets: Array<{ schema?: unknown; data?: { values: number[][] } }> = [];
  await new Promise<void>((resolve) => {
    call.on('data', (m: { data: Buffer }) => {
      packets.push(JSON.parse(Buffer.from(m.data).toString()));
      if (packets.length === 6) resolve();
    });
  });
  const ended = new Promise((resolve) => call.on('error', resolve).on('end', resolve));
  call.cancel();
  await ended;

  expect(packets[0].schema).toBeDefined();
  const rows = packets.slice(1).flatMap((p) => p.data!.values[0].map((t, i) => [t, p.data!.values[1][i]]));
  rows.forEach(([t, v]) => {
    expect(t % 50).toBe(0);
    expect(v).toBe(t / 50); // counter: amplitude 1 × step
  });
  rows.slice(1).forEach(([t], i) => expect(t - rows[i][0]).toBe(50));

  const health = await unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx() });
  expect(health.status).toBe('OK');
  expect(health.message).toMatch(/sidecar/);
});

test('CheckHealth explains bad settings; CallResource serves the signals', async () => {
  const bad = await unary(c.diagnostics, 'CheckHealth', {
    pluginContext: { ...pluginContext({ uid: 'trib-bad', jsonData: { minIntervalMs: 5 } }), pluginId: 'tributary-streaming-datasource' },
  });
  expect(bad.status).toBe('ERROR');
  expect(bad.message).toMatch(/minIntervalMs must be between 10 and 3600000 \(got 5\)/);

  const responses: Array<{ code: number; body: Buffer }> = [];
  await new Promise<void>((resolve, reject) => {
    const call = c.resource.CallResource({ pluginContext: ctx(), path: 'signals', method: 'GET', url: 'signals' });
    call.on('data', (m: { code: number; body: Buffer }) => responses.push(m));
    call.on('end', resolve);
    call.on('error', reject);
  });
  expect(responses[0].code).toBe(200);
  const body = JSON.parse(Buffer.concat(responses.map((r) => Buffer.from(r.body))).toString());
  expect(body.signals[0].parameters.seriesCount.max).toBe(10);
});
