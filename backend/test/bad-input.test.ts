/**
 * Bad input against spawned backends: the built Tributary sidecar (`dist/backend/main.js`, run
 * `npm run build:backend` first) for time ranges, huge channel paths, huge jsonData and malformed
 * queries; the bundled test plugin for instance lifetimes (idle disposal, the cap, busy instances).
 */
import * as grpc from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildTestPlugin, dataQuery, pluginContext, spawnPlugin, type PluginProcess } from './helpers/harness';
import { collect, connect, repoRoot, tempDir, unary, type Clients } from '../../tests/support/goplugin';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
const built = path.join(repoRoot, 'dist', 'backend', 'main.js');

async function startSidecar(bundle: string, env: Record<string, string> = {}): Promise<{ plugin: PluginProcess; c: Clients }> {
  const socket = path.join(tempDir('bad-input-'), 'plugin.sock');
  const plugin = spawnPlugin(bundle, { PATH: process.env.PATH, ...env }, ['--listen', `unix:${socket}`]);
  await plugin.waitForMessage('plugin serving');
  return { plugin, c: connect({ network: 'unix', address: socket }) };
}

/** Resolves once no new log line arrived for `quietMs`: the lines of a call are written by then. */
async function settled(plugin: PluginProcess, quietMs = 200): Promise<void> {
  let seen = -1;
  while (seen !== plugin.stderrLines.length) {
    seen = plugin.stderrLines.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

async function metric(c: Clients, name: string): Promise<number> {
  const text = Buffer.from((await unary(c.diagnostics, 'CollectMetrics', {})).metrics.prometheus).toString();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} missing`);
  return Number(line.split(' ')[1]);
}

describe('the built Tributary sidecar', () => {
  let plugin: PluginProcess;
  let c: Clients;

  beforeAll(async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build:backend first`);
    ({ plugin, c } = await startSidecar(built));
  });

  afterAll(() => {
    c?.close();
    plugin?.kill();
  });

  const ctx = (overrides: Parameters<typeof pluginContext>[0] = {}) => ({
    ...pluginContext({ uid: 'trib-bad-input', ...overrides }),
    pluginId: 'tributary-streaming-datasource',
  });
  const query = (refId: string, fromEpochMS: number, toEpochMS: number, json = '{"seriesCount":1,"sampleIntervalMs":1000}') => ({
    refId, queryType: '', maxDataPoints: 100, intervalMS: 1000, timeRange: { fromEpochMS, toEpochMS }, json: Buffer.from(json),
  });

  test('time ranges a frame cannot hold are a 400 per refId (downstream), with no stack trace; the valid query still answers', async () => {
    const now = Date.now();
    const before = plugin.stderrLines.length;
    const res = await unary(c.data, 'QueryData', {
      pluginContext: ctx(),
      queries: [
        query('ok', now - 60_000, now),
        query('before1677', -9_300_000_000_000, now),
        query('after2262', now, 9_300_000_000_000),
        query('both', -9_300_000_000_000, 9_300_000_000_000),
        query('reversed', now, now - 60_000),
      ],
    });
    const r = res.responses;
    expect(r.ok).toMatchObject({ status: 200, error: '' });
    expect(r.ok.frames).toHaveLength(1);
    for (const refId of ['before1677', 'after2262', 'both']) {
      expect(r[refId]).toMatchObject({ status: 400, errorSource: 'downstream', frames: [] });
      expect(r[refId].error).toMatch(new RegExp(`^query ${refId}: the time range ".+" .* is outside what a data frame can hold \\(1677-09-21T00:12:43.146Z to 2262-04-11T23:47:16.854Z\\)$`));
    }
    expect(r.reversed).toMatchObject({ status: 400, errorSource: 'downstream', error: expect.stringMatching(/ends before it starts/) });
    await settled(plugin);
    const lines = plugin.stderrLines.slice(before);
    expect(lines.filter((l) => l.json?.['@level'] === 'error' || 'stack' in (l.json ?? {}))).toEqual([]);
  });

  test('malformed query JSON and invalid fields are 400s with error source downstream', async () => {
    const now = Date.now();
    const res = await unary(c.data, 'QueryData', {
      pluginContext: ctx(),
      queries: [query('malformed', now - 1000, now, '{"seriesCount":'), query('invalid', now - 1000, now, '{"seriesCount":"many"}')],
    });
    expect(res.responses.malformed).toMatchObject({ status: 400, errorSource: 'downstream', error: expect.stringMatching(/malformed/) });
    expect(res.responses.invalid).toMatchObject({ status: 400, errorSource: 'downstream', error: expect.stringMatching(/"seriesCount"/) });
  });

  test('a 15 MiB channel path through SubscribeStream and RunStream is refused and logged in lines of a few KiB', async () => {
    const huge = `v1/counter/${'x'.repeat(15 * MiB)}`;
    const before = plugin.stderrLines.length;
    const sub = await unary(c.stream, 'SubscribeStream', { pluginContext: ctx(), path: huge });
    expect(sub.status).toBe('NOT_FOUND');
    const run = await collect(c.stream.RunStream({ pluginContext: ctx(), path: huge }));
    expect(run.error).toBeUndefined();
    expect(run.messages).toEqual([]);
    const refused = await Promise.all(['subscription refused', 'stream refused'].map((m) => plugin.waitForMessage(m)));
    await settled(plugin);
    const lines = plugin.stderrLines.slice(before);
    for (const line of refused) {
      expect(line.json!.path).toMatch(new RegExp(`^v1/counter/x+…\\[${Buffer.byteLength(huge) - 1024} more bytes cut\\]$`));
    }
    expect(Math.max(...lines.map((l) => l.raw.length))).toBeLessThan(4096);
    expect(await unary(c.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  });

  test('5 MiB of jsonData is a settings error naming the limit: CheckHealth ERROR, each query 400 (downstream)', async () => {
    const big = ctx({ uid: 'trib-huge-settings', rawJsonData: Buffer.from(JSON.stringify({ maxSeries: 5, padding: 'p'.repeat(5 * MiB) })) });
    const health = await unary(c.diagnostics, 'CheckHealth', { pluginContext: big });
    expect(health).toMatchObject({ status: 'ERROR', message: expect.stringMatching(/jsonData is too large \(5121 KiB; the limit is 64 KiB\)/) });
    const now = Date.now();
    const res = await unary(c.data, 'QueryData', { pluginContext: big, queries: [query('A', now - 1000, now)] });
    expect(res.responses.A).toMatchObject({ status: 400, errorSource: 'downstream', error: expect.stringMatching(/the limit is 64 KiB/) });
  });

  test('10,000 datasource uids keep at most 256 instances', async () => {
    const uids = Array.from({ length: 10_000 }, (_, i) => `trib-many-${i}`);
    for (let i = 0; i < uids.length; i += 200) {
      const batch = uids.slice(i, i + 200).map((uid) => unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx({ uid }) }));
      for (const result of await Promise.all(batch)) expect(result.status).toBe('OK');
    }
    expect(await metric(c, 'plugins_active_instances')).toBeLessThanOrEqual(256);
    expect(await metric(c, 'plugins_datasource_instances_total')).toBeGreaterThanOrEqual(10_000);
  });
});

describe('instance lifetimes (test plugin)', () => {
  let plugin: PluginProcess;
  let c: Clients;

  beforeAll(async () => {
    ({ plugin, c } = await startSidecar(buildTestPlugin('test-plugin-bad-input'), { TESTPLUGIN_INSTANCE_IDLE_MS: '300', TESTPLUGIN_MAX_INSTANCES: '3', TESTPLUGIN_LOG_LEVEL: 'debug' }));
  });

  afterAll(() => {
    c?.close();
    plugin?.kill();
  });

  const health = (uid: string) => unary(c.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ uid }) });

  test('idle instances are disposed; instances with a live stream are not, and when all are busy a new uid is refused', async () => {
    await health('idle-a');
    await health('idle-b');
    const disposed = plugin.waitForLog((l) => l.json?.['@message'] === 'datasource instance idle; disposed' && l.json.datasourceUid === 'idle-b');
    await disposed;
    expect(await metric(c, 'plugins_active_instances')).toBe(0);

    // Three streams hold three instances: the cap.
    const streams = ['s1', 's2', 's3'].map((uid) => c.stream.RunStream({ pluginContext: pluginContext({ uid }), path: 'ticks' }));
    for (const s of streams) s.on('error', () => undefined); // CANCELLED when we cancel them
    await Promise.all(streams.map((s) => new Promise((resolve) => s.once('data', resolve))));
    const refused = await unary(c.data, 'QueryData', { pluginContext: pluginContext({ uid: 's4' }), queries: [dataQuery('A', '', {})] }).catch((e: grpc.ServiceError) => e);
    expect(refused).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/limit 3, all busy/) });
    expect(await health('s4')).toMatchObject({ status: 'ERROR', message: expect.stringMatching(/limit 3, all busy/) });
    // Longer than the idle time: the streaming instances stay.
    await new Promise((r) => setTimeout(r, 600));
    expect(await metric(c, 'plugins_active_instances')).toBe(3);

    // The lease is released in the same tick the server logs the stream's end.
    const ended = plugin.waitForLog((l) => l.json?.['@message'] === 'stream ended' && l.json.datasourceUid === 's1');
    streams[0].cancel();
    await ended;
    expect((await health('s4')).status).toBe('OK');
    const rest = streams.slice(1).map((s) => new Promise((resolve) => s.on('error', resolve).on('end', resolve)));
    for (const s of streams.slice(1)) s.cancel();
    await Promise.all(rest);
  });
});
