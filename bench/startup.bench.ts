/**
 * Start-up cost of the bundled backend: spawn → go-plugin handshake line on stdout (median, max) and
 * idle RSS after start-up, next to bare Node measured the same way in the same run
 * (`node -e` printing one line; an idle `node -e` timer for RSS). Targets: ≤ 200 ms median, ≤ 80 MB.
 * Needs `npm run build` (dist/backend/main.js).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rssBytes } from './support';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const bundle = path.resolve('dist', 'backend', 'main.js');
if (!existsSync(bundle)) {
  console.error(`startup.bench: ${bundle} is missing; run npm run build first`);
  process.exit(1);
}
const socketDir = mkdtempSync(path.join(os.tmpdir(), 'startup-bench-'));
const env = { PATH: process.env.PATH, grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2', PLUGIN_UNIX_SOCKET_DIR: socketDir };

interface Sample {
  ms: number;
  rss: number;
}

/** Spawns `args`, times the first stdout line, samples RSS once the process is idle, then stops it. */
function measure(args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let ms = -1;
    child.stdout.once('data', () => {
      ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Idle: let start-up work (GC, lazy init, first metrics timers) settle before sampling.
      setTimeout(() => {
        const rss = rssBytes(child.pid!);
        child.kill('SIGTERM');
        child.once('exit', () => resolve({ ms, rss }));
      }, 500);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (ms < 0) reject(new Error(`${args.join(' ')} exited with ${code} before printing a line`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const MB = 1024 * 1024;

/** Alternates baseline and backend runs so both see the same machine load (the box is shared). */
async function interleaved(baselineArgs: string[], backendArgs: string[]): Promise<[Sample[], Sample[]]> {
  const baseline: Sample[] = [];
  const backend: Sample[] = [];
  await measure(baselineArgs); // warm the page cache
  await measure(backendArgs);
  for (let i = 0; i < RUNS; i++) {
    baseline.push(await measure(baselineArgs));
    backend.push(await measure(backendArgs));
  }
  return [baseline, backend];
}

async function main(): Promise<void> {
  const baselineArgs = ['-e', "process.stdout.write('1|2|unix|/x|grpc\\n'); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));"];
  const [baseline, backend] = await interleaved(baselineArgs, [bundle]);
  rmSync(socketDir, { recursive: true, force: true });

  const b = { med: median(baseline.map((s) => s.ms)), max: Math.max(...baseline.map((s) => s.ms)), rss: median(baseline.map((s) => s.rss)) };
  const p = { med: median(backend.map((s) => s.ms)), max: Math.max(...backend.map((s) => s.ms)), rss: median(backend.map((s) => s.rss)) };
  console.log(`startup (${RUNS} runs each, Node ${process.version}, ${os.cpus().length} CPUs)`);
  console.log(`                         median ms   max ms   idle RSS MB`);
  console.log(`  bare node (baseline)   ${b.med.toFixed(1).padStart(9)}   ${b.max.toFixed(1).padStart(6)}   ${(b.rss / MB).toFixed(1).padStart(11)}`);
  console.log(`  dist/backend/main.js   ${p.med.toFixed(1).padStart(9)}   ${p.max.toFixed(1).padStart(6)}   ${(p.rss / MB).toFixed(1).padStart(11)}`);
  console.log(`  ratio backend/baseline ${(p.med / b.med).toFixed(2).padStart(9)}x  ${(p.max / b.max).toFixed(2).padStart(6)}x  ${(p.rss / b.rss).toFixed(2).padStart(10)}x`);
  console.log(`  spawn→handshake median ${p.med.toFixed(0)} ms (target ≤ 200 ms: ${p.med <= 200 ? 'met' : 'MISSED'}); added over bare node ${(p.med - b.med).toFixed(0)} ms`);
  console.log(`  idle RSS ${(p.rss / MB).toFixed(1)} MB (target ≤ 80 MB: ${p.rss <= 80 * MB ? 'met' : 'MISSED'})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
