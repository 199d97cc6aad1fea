/**
 * Where a query's frame task should run: QueryData latency per size with the worker pool (as shipped)
 * and with `--query-workers 0` (everything on the main thread), in the same run. Inline work blocks
 * every live stream for its whole duration, so the line sits where the thread hop stops costing more
 * than a couple of milliseconds of blocking. Needs `npm run build` (dist/backend/main.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodeRuntime from '../backend/launcher/node-runtime.json';
import { connect, unary, type Clients } from '../tests/support/goplugin';

const bundle = path.resolve('dist', 'backend', 'main.js');
if (!existsSync(bundle)) {
  console.error(`offload.bench: ${bundle} is missing; run npm run build first`);
  process.exit(1);
}
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const SIZES = [1_000, 4_000, 16_000, 64_000, 256_000, 1_000_000];

interface Sidecar {
  child: ChildProcess;
  c: Clients;
}

async function start(args: string[]): Promise<Sidecar> {
  const socket = path.join(mkdtempSync(path.join(os.tmpdir(), 'offload-bench-')), 'plugin.sock');
  const child = spawn(process.execPath, [...nodeRuntime.sidecarNodeFlags, bundle, '--listen', `unix:${socket}`, '--log-level', 'warn', ...args], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    return { child, c: connect({ network: 'unix', address: socket }) };
  } catch (err) {
    child.kill('SIGTERM'); // never leave a sidecar behind
    throw err;
  }
}

const pluginContext = {
  orgId: 1,
  pluginId: 'tributary-streaming-datasource',
  dataSourceInstanceSettings: { id: 1, uid: 'offload-bench', name: 'bench', jsonData: Buffer.from('{}'), lastUpdatedMS: 1 },
};

function request(points: number): unknown {
  const to = Date.UTC(2026, 0, 1);
  const model = { refId: 'A', signal: 'sine', seriesCount: 1, sampleIntervalMs: 10 };
  return {
    pluginContext,
    queries: [{ refId: 'A', maxDataPoints: 0, timeRange: { fromEpochMS: to - (points - 1) * 10, toEpochMS: to }, json: Buffer.from(JSON.stringify(model)) }],
  };
}

async function medianMs(sidecar: Sidecar, points: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const res = await unary(sidecar.c.data, 'QueryData', request(points));
    if (res.responses.A.status !== 200) throw new Error(`status ${res.responses.A.status}: ${res.responses.A.error}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[(times.length - 1) / 2];
}

async function main(): Promise<void> {
  // The shipped threshold would hide the comparison: both sidecars are told where to run every task.
  const sidecars: Sidecar[] = [];
  try {
    const pooled = await start(['--query-workers', '1', '--inline-query-kib', '0']);
    sidecars.push(pooled);
    const inline = await start(['--query-workers', '0']);
    sidecars.push(inline);
    for (const s of [pooled, inline]) await medianMs(s, 1_000); // warm up
    console.log('points      worker thread   main thread   worker/main');
    for (const points of SIZES) {
      const worker = await medianMs(pooled, points);
      const main = await medianMs(inline, points);
      console.log(`${String(points).padStart(9)}   ${worker.toFixed(2).padStart(10)} ms   ${main.toFixed(2).padStart(8)} ms   ${(worker / main).toFixed(2)}×`);
    }
  } finally {
    for (const s of sidecars) {
      s.c.close();
      s.child.kill('SIGTERM');
    }
  }
}

void main();
