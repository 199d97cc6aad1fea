/**
 * Admission and isolation end to end: the production entry point as a sidecar, asked what an unlucky
 * user (or an attacker) would ask. Answers come back per refId with a clear status, the process stays
 * inside its memory bound, and a heavy query computed in a worker thread is byte-for-byte the answer
 * the main thread would give.
 */
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildTestBundle, pluginContext, spawnPlugin, type PluginProcess } from '../../test/helpers/harness';
import { connect, tempDir, unary, type Clients, type LogLine } from '../../../tests/support/goplugin';

jest.setTimeout(60_000);

interface Sidecar {
  plugin: PluginProcess;
  c: Clients;
}

const sidecars: Sidecar[] = [];

async function startSidecar(bundle: string, args: string[] = []): Promise<Sidecar> {
  const socket = path.join(tempDir('tributary-admission-'), 'plugin.sock');
  const plugin = spawnPlugin(bundle, { PATH: process.env.PATH }, ['--listen', `unix:${socket}`, ...args]);
  await plugin.waitForMessage('plugin serving');
  const sidecar = { plugin, c: connect({ network: 'unix', address: socket }) };
  sidecars.push(sidecar);
  return sidecar;
}

let bundle: string;
let main: Sidecar;

beforeAll(async () => {
  bundle = buildTestBundle('tributary-admission', 'backend/src/main.ts');
  main = await startSidecar(bundle);
});

afterAll(() => {
  for (const { c, plugin } of sidecars) {
    c.close();
    plugin.kill();
  }
});

const ctx = (uid = 'trib-admission') => ({ ...pluginContext({ uid, jsonData: { maxSeries: 10 } }), pluginId: 'tributary-streaming-datasource' });
const NOW = Date.UTC(2026, 0, 1);

/** A query of `days` of history at `sampleIntervalMs` (capped by the datasource at 1M points). */
function query(refId: string, model: Record<string, unknown>, days = 30): Record<string, unknown> {
  return {
    refId,
    maxDataPoints: 0,
    intervalMS: 1000,
    timeRange: { fromEpochMS: NOW - days * 86_400_000, toEpochMS: NOW },
    json: Buffer.from(JSON.stringify({ refId, ...model })),
  };
}

function peakRssMiB(plugin: PluginProcess): number {
  const status = readFileSync(`/proc/${plugin.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

type Responses = Record<string, { status: number; error?: string; frames: Buffer[] }>;

async function queryData(sidecar: Sidecar, queries: unknown[], format: 'ARROW' | 'JSON' = 'ARROW'): Promise<Responses> {
  return (await unary(sidecar.c.data, 'QueryData', { pluginContext: ctx(), queries, format })).responses;
}

test('100 queries of 1M points: one fits the response, 99 are refused before computing, memory stays bounded', async () => {
  const queries = Array.from({ length: 100 }, (_, i) => query(`Q${i}`, { seriesCount: 1, sampleIntervalMs: 10 }));
  const arrow = await queryData(main, queries);
  expect(arrow.Q0.status).toBe(200);
  expect(tableFromIPC(arrow.Q0.frames[0]).numRows).toBe(1_000_000);
  for (let i = 1; i < 100; i++) {
    expect(arrow[`Q${i}`].status).toBe(413);
    expect(arrow[`Q${i}`].error).toMatch(/together with the other queries of this request the results would exceed one response \(15\.9 MiB\)/);
  }
  // In frame JSON not even one fits: every refId says how big its result would be.
  const json = await queryData(main, queries, 'JSON');
  for (const r of Object.values(json)) {
    expect(r.status).toBe(413);
    expect(r.error).toMatch(/the result would be about \d+\.\d MiB, more than Grafana accepts in one response/);
  }
  const refusedBeforeRunning = (count: number) => (l: LogLine) =>
    l.json?.['@message'] === 'queries refused before running: too large for one response' && l.json.count === count;
  await main.plugin.waitForLog(refusedBeforeRunning(99));
  await main.plugin.waitForLog(refusedBeforeRunning(100));
  expect(peakRssMiB(main.plugin)).toBeLessThan(300);
});

test('a heavy query computed in a worker thread equals the main thread’s answer byte for byte', async () => {
  const inline = await startSidecar(bundle, ['--query-workers', '0']);
  const queries = [
    query('BIG', { signal: 'random-walk', seriesCount: 2, sampleIntervalMs: 100 }, 0.25), // 216k rows: a worker's job
    query('SMALL', { signal: 'sine', seriesCount: 2, sampleIntervalMs: 60_000 }, 1), // 1440 rows: stays inline
  ];
  for (const format of ['ARROW', 'JSON'] as const) {
    const viaWorkers = await queryData(main, queries, format);
    const onMainThread = await queryData(inline, queries, format);
    for (const refId of ['BIG', 'SMALL']) {
      expect(viaWorkers[refId].status).toBe(200);
      expect(Buffer.compare(Buffer.from(viaWorkers[refId].frames[0]), Buffer.from(onMainThread[refId].frames[0]))).toBe(0);
    }
  }
  expect(inline.plugin.stderrLines.some((l) => l.json?.['@message'] === 'query worker threads are off; frame tasks run on the main thread')).toBe(true);
});

test('every answered query is counted by outcome, including malformed JSON refused before the datasource sees it', async () => {
  const counts = async (): Promise<Record<string, number>> => {
    const res = await unary(main.c.diagnostics, 'CollectMetrics', { pluginContext: ctx() });
    const text = Buffer.from(res.metrics.prometheus).toString();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^tributary_queries_total\{status="(\w+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
    return out;
  };
  const before = await counts();
  await queryData(main, [
    query('OK', { sampleIntervalMs: 60_000 }, 1),
    { ...query('BADJSON', {}), json: Buffer.from('{"sampleIntervalMs": ') },
    query('INVALID', { seriesCount: 11 }),
    query('HUGE', { sampleIntervalMs: 10 }),
    query('HUGE2', { sampleIntervalMs: 10 }),
  ]);
  const after = await counts();
  const delta = (status: string): number => (after[status] ?? 0) - (before[status] ?? 0);
  expect(delta('ok')).toBe(2); // OK and the first HUGE (it fits alone)
  expect(delta('bad_request')).toBe(2); // malformed JSON and an invalid field
  expect(delta('too_large')).toBe(1);
});
