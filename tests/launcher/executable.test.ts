/**
 * The self-contained executable dist/gpx_tributary_linux_<arch> (Node + bundle in one file) on its own:
 * managed mode on a host with no Node at all, command-line runs, and leaving with Grafana. Its sidecar
 * lookup is checked next to the POSIX launcher's in launcher.test.ts; the arm64 build in
 * executable-arm64.test.ts.
 */
import { tableFromIPC } from 'apache-arrow';
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { queryData, runStream, streamPathFor, subscribeStream } from './grafana-calls';
import {
  NODE_RUNTIME,
  childPids,
  healthStatus,
  processExecutable,
  requireBuiltExecutable,
  startPlugin,
  stopChild,
  type RunningPlugin,
} from './harness';
import { grafanaPluginEnv, parseHandshake, removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

jest.setTimeout(60_000);

const direct = { name: 'direct exec', argv: [] as string[] };
const running: RunningPlugin[] = [];
let executable: string;

beforeAll(() => {
  executable = requireBuiltExecutable();
});

afterEach(async () => {
  for (const plugin of running.splice(0)) await stopChild(plugin.child, 'SIGKILL');
});

afterAll(() => removeTempDirs());

/** Starts the executable as Grafana does (no arguments), or with arguments as a person would. */
function start(env: Record<string, string>, args: string[] = []): RunningPlugin {
  const plugin = startPlugin(direct, executable, env, args);
  running.push(plugin);
  return plugin;
}

/** Alive and not a zombie waiting to be reaped (/proc/<pid>/stat state Z). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const noSidecar = () => ({ TRIBUTARY_DEFAULT_SOCKET: path.join(tempDir('trx-'), 'absent', 'plugin.sock') });

describe('the Node inside the executable', () => {
  it('is the Node LTS the Docker images use too, Dockerfile and compose defaults (one version for the whole project)', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    expect(/^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(NODE_RUNTIME.version);
    const compose = readFileSync(path.join(repoRoot, 'docker-compose.yaml'), 'utf8');
    const composeDefaults = [...compose.matchAll(/NODE_VERSION: \$\{NODE_VERSION:-([^}]+)\}/g)].map((m) => m[1]);
    expect(composeDefaults.length).toBeGreaterThan(0);
    expect(new Set(composeDefaults)).toEqual(new Set([NODE_RUNTIME.version]));
    expect(Number(NODE_RUNTIME.version.split('.')[0]) % 2).toBe(0); // even majors are the LTS lines
  });
});

describe('self-contained executable in managed mode', () => {
  it('starts Node without flags (they cost start-up); the sidecar commands all pass the same sidecar flags', async () => {
    const flags = NODE_RUNTIME.sidecarNodeFlags.join(' ');
    expect(flags).toBe('--initial-heap-size=64');
    const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
    for (const file of ['Dockerfile', 'docker-compose.yaml']) {
      expect(read(file)).toContain(`["node", ${NODE_RUNTIME.sidecarNodeFlags.map((f) => JSON.stringify(f)).join(', ')}, "dist/backend/main.js"`);
    }
    expect(JSON.parse(read('package.json')).scripts.sidecar).toBe(`node ${flags} dist/backend/main.js --listen unix:/tmp/tributary.sock`);
    expect(read('backend/launcher/gpx_tributary.sh')).toContain('exec "$node" "$bundle" "$@"');
    // Managed mode is what Grafana waits for: the executable's Node runs without extra V8 flags.
    const plugin = start(grafanaPluginEnv({ ...noSidecar(), PLUGIN_UNIX_SOCKET_DIR: tempDir('trx-') }));
    parseHandshake(await plugin.firstLine);
    await plugin.stderrIncludes('plugin serving');
    const serving = plugin.stderr().split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l) : {})).find((l) => l['@message'] === 'plugin serving');
    expect(serving).toMatchObject({ node: `v${NODE_RUNTIME.version}`, nodeFlags: '' });
  });

  it('serves Grafana with nothing but go-plugin environment (no PATH, no node): health, QueryData, a live stream', async () => {
    const socketDir = tempDir('trx-');
    const plugin = start(grafanaPluginEnv({ ...noSidecar(), PLUGIN_UNIX_SOCKET_DIR: socketDir }));
    const handshake = parseHandshake(await plugin.firstLine);
    expect(handshake.network).toBe('unix');
    expect(path.dirname(handshake.address)).toBe(socketDir);
    expect(await healthStatus(handshake)).toBe('SERVING');

    const [answer] = await queryData(handshake, [{ refId: 'A', signal: 'sine', seriesCount: 2, sampleIntervalMs: 1000 }]);
    expect([answer.status, answer.error]).toEqual([200, '']);
    const table = tableFromIPC(answer.frames[0]);
    expect(table.numRows).toBeGreaterThan(0);
    expect(table.numCols).toBeGreaterThanOrEqual(2);

    const streamPath = await streamPathFor(handshake, { signal: 'sine', seriesCount: 1, sampleIntervalMs: 100 });
    expect((await subscribeStream(handshake, streamPath)).status).toBe('OK');
    const stream = runStream(handshake, streamPath);
    expect((await stream.firstRows).data.values[0].length).toBeGreaterThan(0);
    stream.cancel();

    // One process, the executable itself: Grafana's SIGKILL of this PID stops everything.
    expect(childPids(plugin.pid)).toEqual([]);
    expect(processExecutable(plugin.pid)).toBe(realpathSync(executable));
    process.kill(plugin.pid, 'SIGKILL');
    expect((await plugin.closed).signal).toBe('SIGKILL');
  });

  it('runs heavy queries in worker threads started from its embedded backend, with no script file on disk', async () => {
    const plugin = start(grafanaPluginEnv({ ...noSidecar(), PLUGIN_UNIX_SOCKET_DIR: tempDir('trx-'), TRIBUTARY_LOG_LEVEL: 'debug' }));
    const handshake = parseHandshake(await plugin.firstLine);
    // 1000 rows × 10 series: about 88 KB of Arrow, above the 64 KiB line where queries leave the main thread.
    const [answer] = await queryData(handshake, [{ refId: 'W', signal: 'random-walk', seriesCount: 10, sampleIntervalMs: 10 }]);
    expect([answer.status, answer.error]).toEqual([200, '']);
    expect(tableFromIPC(answer.frames[0]).numCols).toBe(11);
    expect(plugin.stderr()).not.toMatch(/frame tasks run on the main thread/);
  });

  it('says it is a Grafana plugin when started by hand without Grafana (no handshake, one clear error)', async () => {
    const plugin = start({ ...noSidecar() });
    const { code } = await plugin.closed;
    expect(code).not.toBe(0);
    expect(plugin.stdout()).toBe('');
    expect(plugin.stderr()).toContain('grafana_plugin_type');
  });
});

describe('self-contained executable with command-line arguments (run by hand)', () => {
  it('--listen runs the sidecar itself, whatever sidecar address is configured', async () => {
    const socket = path.join(tempDir('trx-'), 'plugin.sock');
    const sidecar = start({ TRIBUTARY_SIDECAR_ADDRESS: 'tcp:127.0.0.1:1' }, ['--listen', `unix:${socket}`]);
    await sidecar.stderrIncludes('"mode":"sidecar"');
    expect(await healthStatus(parseHandshake(`1|2|unix|${socket}|grpc`))).toBe('SERVING');
  });

  it('--help prints the backend usage', async () => {
    const plugin = start({}, ['--help']);
    await plugin.closed;
    expect(plugin.stdout() + plugin.stderr()).toContain('--listen unix:/path.sock|tcp:HOST:PORT');
  });
});

describe('self-contained executable pointing at a sidecar', () => {
  it('leaves when Grafana is gone (re-parented) instead of lingering', async () => {
    const out = path.join(tempDir('trx-'), 'out');
    // A stand-in for Grafana that starts the plugin, waits for its handshake, then dies without killing it.
    const grafana = spawn(
      '/bin/sh',
      ['-c', `"$0" > "$1" 2>&1 & echo $!; while ! grep -q grpc "$1"; do sleep 0.1; done`, executable, out],
      { env: grafanaPluginEnv({ TRIBUTARY_SIDECAR_ADDRESS: 'tcp:127.0.0.1:5999', PATH: '/usr/bin:/bin' }), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let pidText = '';
    grafana.stdout.on('data', (chunk) => (pidText += chunk));
    await new Promise((resolve) => grafana.once('exit', resolve));
    const pid = Number(pidText.trim());
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 20_000;
    while (isRunning(pid) && Date.now() < deadline) await sleep(100);
    const stillThere = isRunning(pid);
    if (stillThere) process.kill(pid, 'SIGKILL');
    expect(stillThere).toBe(false);
  });
});
