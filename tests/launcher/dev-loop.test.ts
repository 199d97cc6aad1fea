/**
 * `npm run dev` (scripts/dev.mjs): a backend change rebuilds and replaces ONLY the sidecar; the
 * launcher Grafana started keeps running, the same socket path serves the new process, a live stream
 * cut by the swap ends with an error (so Grafana re-runs it) and a re-run stream works.
 * Also: it says how to stop it, a failed start-up stops the webpack watcher it had started, and
 * SIGTERM stops it cleanly (sidecar gone, socket removed, exit code 0).
 * Builds into a temp dist (`--dist`) so it does not touch the shared dist/ or .dev/dist.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_QUERY } from '../../src/shared/query';
import { runStream, streamPathFor } from './grafana-calls';
import { healthStatus, launcherFor, processExists, startPlugin, stopChild, type RunningPlugin } from './harness';
import { grafanaPluginEnv, parseHandshake, removeTempDirs, repoRoot, tempDir, type Handshake } from '../support/goplugin';

jest.setTimeout(90_000);

const WATCHED_FILE = path.join(repoRoot, 'backend', 'launcher', 'healthcheck.mjs');

let work: string;
let dev: ChildProcess;
let output = '';
const outputWaiters: Array<() => void> = [];
let launcher: RunningPlugin;
let handshake: Handshake;
let socket: string;

function waitForOutput(pattern: RegExp, after = 0): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = output.slice(after).match(pattern);
      if (match) resolve(match);
      else outputWaiters.push(check);
    };
    dev.once('exit', (code) => reject(new Error(`dev.mjs exited (code ${code}):\n${output}`)));
    check();
  });
}

/** PIDs from the sidecars' "plugin serving" log lines, in order. */
function servingPids(): number[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"plugin serving"'))
    .map((line) => JSON.parse(line).pid as number);
}

beforeAll(async () => {
  work = tempDir('trdl-');
  socket = path.join(work, 'run', 'plugin.sock');
  dev = spawn(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'dev.mjs'), '--no-frontend', '--dist', path.join(work, 'dist'), '--listen', `unix:${socket}`],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of outputWaiters.splice(0)) waiter();
  };
  dev.stdout!.on('data', onData);
  dev.stderr!.on('data', onData);
  await waitForOutput(/\[dev\] sidecar serving on unix:/);

  const executable = launcherFor(path.join(work, 'dist'));
  launcher = startPlugin({ name: 'direct exec', argv: [] }, executable, grafanaPluginEnv({ GF_PLUGIN_SIDECAR_ADDRESS: `unix:${socket}` }));
  handshake = parseHandshake(await launcher.firstLine);
});

afterAll(async () => {
  if (launcher) {
    launcher.child.kill('SIGKILL');
    await launcher.closed;
  }
  await stopChild(dev);
  removeTempDirs();
});

it('swaps only the sidecar on a backend change; Grafana side keeps its launcher and socket', async () => {
  expect(await healthStatus(handshake)).toBe('SERVING');
  // Grafana's container user (uid 472) is not the host user running the dev sidecar: the socket is 0666.
  expect(statSync(handshake.address).mode & 0o777).toBe(0o666);
  const [oldPid] = servingPids();
  expect(processExists(oldPid)).toBe(true);

  const streamPath = await streamPathFor(handshake, { ...DEFAULT_QUERY, seriesCount: 1, sampleIntervalMs: 50 });
  const before = runStream(handshake, streamPath);
  await before.firstRows;

  const mark = output.length;
  const now = new Date();
  utimesSync(WATCHED_FILE, now, now); // what an editor's save looks like to the watcher
  const [, millis] = await waitForOutput(/\[dev\] new backend serving (\d+) ms after the change/, mark);
  console.log(`dev loop: change seen -> new sidecar serving in ${millis} ms (plus the 150 ms debounce)`);

  const pids = servingPids();
  expect(pids.length).toBeGreaterThanOrEqual(2); // more if other files changed meanwhile
  expect(processExists(oldPid)).toBe(false);
  expect(processExists(pids[pids.length - 1])).toBe(true);

  // The stream served by the old process ends with an error, which makes Grafana call RunStream again.
  expect(await before.ended).not.toBeNull();
  expect(await healthStatus(handshake)).toBe('SERVING');
  const after = runStream(handshake, streamPath);
  expect((await after.firstRows).data.values).toHaveLength(2);
  after.cancel();

  // The launcher Grafana started was never touched.
  expect(processExists(launcher.pid)).toBe(true);
});

it('says how to stop it', () => {
  expect(output).toContain(`[dev] stop with Ctrl-C or: kill ${dev.pid}`);
});

it('a failed start-up stops the webpack watcher it started and exits 1', async () => {
  // A second dev loop on the same socket: its sidecar cannot start because the first one answers there.
  const second = spawn(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'dev.mjs'), '--dist', path.join(work, 'dist-2'), '--listen', `unix:${socket}`],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  second.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  second.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
  expect(code).toBe(1);
  expect(text).toContain('a sidecar already answers');
  const webpackPid = Number(/\[dev\] webpack --watch started \(pid (\d+)\)/.exec(text)?.[1]);
  expect(webpackPid).toBeGreaterThan(0);
  expect(processExists(webpackPid)).toBe(false);
  // The first loop's sidecar was left alone.
  expect(await healthStatus(handshake)).toBe('SERVING');
});

it('stops cleanly on SIGTERM: sidecar stopped, socket removed, exit code 0', async () => {
  const sidecarPid = servingPids().at(-1)!;
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  dev.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('[dev] SIGTERM: stopping');
  expect(processExists(sidecarPid)).toBe(false);
  expect(existsSync(socket)).toBe(false);
});
