/**
 * Start-up cost of the plugin as Grafana starts it: spawn → go-plugin handshake line on stdout (median,
 * max) and idle RSS after start-up, all measured interleaved in the same run:
 *   - bare node printing one line (`node -e`; the floor for any Node process),
 *   - the bundle on this machine's node (`node dist/backend/main.js`),
 *   - the POSIX launcher + node (dist/gpx_tributary_darwin_*, which was also linux's: execs node on the bundle),
 *   - the same launcher with the Node inside the executables (same Node version: isolates the SEA cost),
 *   - the self-contained executable dist/gpx_tributary_linux_<arch> (Node + bundle in one file).
 * Targets: bundle ≤ 200 ms median and ≤ 80 MB idle RSS; self-contained executable ≤ 150 ms median.
 * Also prints the executables' sizes and the one-platform zip per architecture (npm run package).
 * Needs `npm run build`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rssBytes } from './support';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const MB = 1024 * 1024;
const bundle = path.resolve('dist', 'backend', 'main.js');
// The POSIX launcher as installed next to the bundle (dist/ has it for darwin; same file as for linux before).
const launcherScript = path.resolve('dist', 'gpx_tributary_darwin_amd64');
const runtime = JSON.parse(readFileSync(path.resolve('backend', 'launcher', 'node-runtime.json'), 'utf8'));
const hostTarget = `linux_${{ x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64' | 'arm64'] ?? process.arch}`;
const executable = path.resolve('dist', `gpx_tributary_${hostTarget}`);
const pinnedNode = path.resolve('.cache', 'node-runtime', runtime.version, hostTarget, 'node');
if (![bundle, executable, launcherScript].every((f) => existsSync(f))) {
  console.error(`startup.bench: ${bundle}, ${executable} or ${launcherScript} is missing; run npm run build first`);
  process.exit(1);
}
const socketDir = mkdtempSync(path.join(os.tmpdir(), 'startup-bench-'));
const env = {
  grafana_plugin_type: 'datasource',
  PLUGIN_PROTOCOL_VERSIONS: '2',
  PLUGIN_UNIX_SOCKET_DIR: socketDir,
  // No sidecar: every case serves in managed mode.
  TRIBUTARY_DEFAULT_SOCKET: path.join(socketDir, 'absent', 'plugin.sock'),
};

interface Case {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
}

interface Sample {
  ms: number;
  rss: number;
}

/** Spawns a case, times the first stdout line, samples RSS once the process is idle, then stops it. */
function measure(c: Case): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(c.command, c.args, { env: c.env, stdio: ['ignore', 'pipe', 'ignore'] });
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
      if (ms < 0) reject(new Error(`${c.name} exited with ${code} before printing a line`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Round-robin over the cases so all see the same machine load (the box is shared). */
async function interleaved(cases: Case[]): Promise<Sample[][]> {
  const samples: Sample[][] = cases.map(() => []);
  for (const c of cases) await measure(c); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    for (const [k, c] of cases.entries()) samples[k].push(await measure(c));
  }
  return samples;
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

/** Size of the one-platform archive `npm run package -- --platform <target>` writes. */
function zipSize(target: string, outDir: string): number | string {
  const run = spawnSync(process.execPath, ['scripts/package.mjs', '--out-dir', outDir, '--platform', target], { encoding: 'utf8' });
  if (run.status !== 0) return `not packaged (${run.stderr.trim()})`;
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
  return statSync(path.join(outDir, `tributary-streaming-datasource-${version}.${target}.zip`)).size;
}

async function main(): Promise<void> {
  const bare: Case = {
    name: 'bare node (baseline)',
    command: process.execPath,
    args: ['-e', "process.stdout.write('1|2|unix|/x|grpc\\n'); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));"],
    env,
  };
  const cases: Case[] = [
    bare,
    { name: `node ${process.version} dist/backend/main.js`, command: process.execPath, args: [bundle], env },
    { name: `launcher.sh + node ${process.version}`, command: launcherScript, args: [], env: { ...env, PATH: process.env.PATH, TRIBUTARY_NODE: process.execPath } },
  ];
  if (existsSync(pinnedNode)) {
    cases.push({ name: `launcher.sh + node v${runtime.version}`, command: launcherScript, args: [], env: { ...env, PATH: process.env.PATH, TRIBUTARY_NODE: pinnedNode } });
  }
  cases.push({ name: `executable (node v${runtime.version})`, command: executable, args: [], env });

  const samples = await interleaved(cases);
  rmSync(socketDir, { recursive: true, force: true });
  const stats = samples.map((s) => ({ med: median(s.map((x) => x.ms)), max: Math.max(...s.map((x) => x.ms)), rss: median(s.map((x) => x.rss)) }));
  const [base, ours] = [stats[0], stats[1]];
  const sea = stats[stats.length - 1];
  const launcherToday = stats[2];

  console.log(`startup (${RUNS} runs each, interleaved; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)})`);
  console.log(`                                      median ms   max ms   idle RSS MB`);
  cases.forEach((c, k) => {
    const s = stats[k];
    console.log(`  ${c.name.padEnd(36)}${s.med.toFixed(1).padStart(9)}   ${s.max.toFixed(1).padStart(6)}   ${(s.rss / MB).toFixed(1).padStart(11)}`);
  });
  console.log(`  bundle/bare node ratio               ${(ours.med / base.med).toFixed(2).padStart(8)}x`);
  console.log(`  executable/launcher.sh+node ratio    ${(sea.med / launcherToday.med).toFixed(2).padStart(8)}x`);
  console.log(`  bundle spawn→handshake median ${ours.med.toFixed(0)} ms (target ≤ 200 ms: ${verdict(ours.med <= 200)}); added over bare node ${(ours.med - base.med).toFixed(0)} ms`);
  console.log(`  bundle idle RSS ${(ours.rss / MB).toFixed(1)} MB (target ≤ 80 MB: ${verdict(ours.rss <= 80 * MB)})`);
  console.log(`  executable spawn→handshake median ${sea.med.toFixed(0)} ms (target ≤ 150 ms: ${verdict(sea.med <= 150)})`);
  console.log(`  executable idle RSS ${(sea.rss / MB).toFixed(1)} MB (no target of its own; Node ${runtime.version} vs ${process.version} above)`);

  const zipDir = path.resolve('.bench', 'package');
  mkdirSync(zipDir, { recursive: true });
  console.log('sizes (MiB)                           executable   zip (npm run package -- --platform <target>)');
  for (const target of Object.keys(runtime.targets)) {
    const file = path.resolve('dist', `gpx_tributary_${target}`);
    const size = existsSync(file) ? (statSync(file).size / MB).toFixed(1) : 'missing';
    const zip = zipSize(target, zipDir);
    console.log(`  ${target.padEnd(36)}${size.padStart(10)}   ${typeof zip === 'number' ? (zip / MB).toFixed(1) : zip}`);
  }
  rmSync(zipDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
