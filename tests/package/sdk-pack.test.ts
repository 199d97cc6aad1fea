/**
 * The SDK stands alone: `npm pack` of packages/sdk, installed from the tarball into an empty project
 * that holds only the clock example's sources (examples/clock), built there with the package's own CLI
 * (bundle + launcher), started through the generated launcher as Grafana starts it, and driven with
 * QueryData and a Live stream. Nothing from this repository is on the project's resolution path.
 * Needs only the npm cache `npm ci` filled (the install runs with --prefer-offline).
 */
import { tableFromIPC } from 'apache-arrow';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  PluginProcess,
  collect,
  connect,
  grafanaPluginEnv,
  parseHandshake,
  spawnPlugin,
  unary,
  within,
  type Clients,
} from '@tributary/grafana-backend-sdk/testing';
import { removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

jest.setTimeout(240_000);

const SDK_DIR = path.join(repoRoot, 'packages', 'sdk');
const EXAMPLE_DIR = path.join(repoRoot, 'examples', 'clock');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const UID = 'clock-uid';

let project: string;
const started: PluginProcess[] = [];
const openClients: Clients[] = [];

/** npm with the caller's cache but none of the npm_* settings of the `npm test` run around us. */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || /^npm_config_cache$/i.test(key)));
  const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 150_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd} (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function launcherPath(): string {
  return path.join(project, 'dist', `gpx_clock_${process.platform}_${GOARCH[process.arch]}`);
}

/** Starts the generated launcher with the environment Grafana gives a plugin (no PATH). */
function startLauncher(extra: Record<string, string>): PluginProcess {
  const plugin = new PluginProcess(spawn(launcherPath(), [], { env: grafanaPluginEnv(extra), stdio: ['pipe', 'pipe', 'pipe'] }));
  started.push(plugin);
  return plugin;
}

function connectTo(handshakeLine: string | undefined, plugin: PluginProcess): Clients {
  if (handshakeLine === undefined) throw new Error(`the plugin exited before its handshake:\n${plugin.stderrText()}`);
  const clients = connect(parseHandshake(handshakeLine));
  openClients.push(clients);
  return clients;
}

const pluginContext = () => ({
  orgId: 1,
  pluginId: 'tributary-clock-datasource',
  dataSourceInstanceSettings: { id: 1, uid: UID, name: 'Clock', jsonData: Buffer.from('{}'), lastUpdatedMS: 1 },
});

function query(refId: string, model: unknown, from: number, to: number) {
  return { refId, maxDataPoints: 1000, intervalMS: 1000, timeRange: { fromEpochMS: from, toEpochMS: to }, json: Buffer.from(JSON.stringify(model)) };
}

/** Epoch milliseconds from an Arrow timestamp[ns] cell, whichever JS type apache-arrow hands out. */
function millis(value: unknown): number {
  return typeof value === 'bigint' ? Number(value / 1_000_000n) : Number(value);
}

beforeAll(() => {
  if (!GOARCH[process.arch]) throw new Error(`no launcher name for arch ${process.arch}`);
  const work = tempDir('sdk-pack-');
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], SDK_DIR)) as Array<{ filename: string }>;
  project = path.join(work, 'clock');
  cpSync(path.join(EXAMPLE_DIR, 'src'), path.join(project, 'src'), { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(EXAMPLE_DIR, 'package.json'), 'utf8'));
  manifest.dependencies['@tributary/grafana-backend-sdk'] = `file:../${packed.filename}`;
  writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  npm(['install', ...NPM_FLAGS], project);
  npm(['run', 'build'], project);
});

afterAll(async () => {
  for (const clients of openClients) clients.close();
  for (const plugin of started) {
    plugin.kill();
    await plugin.exited;
  }
  removeTempDirs();
});

test('the project holds a real install of the tarball and the built plugin', () => {
  const installed = path.join(project, 'node_modules', '@tributary', 'grafana-backend-sdk');
  expect(lstatSync(installed).isSymbolicLink()).toBe(false);
  expect(existsSync(path.join(installed, 'src'))).toBe(false); // the tarball ships compiled code only
  expect(existsSync(path.join(project, 'dist', 'backend', 'main.js'))).toBe(true);
  for (const target of ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64']) {
    expect(lstatSync(path.join(project, 'dist', `gpx_clock_${target}`)).mode & 0o111).toBe(0o111);
  }
});

test('started through its launcher as Grafana does, it answers QueryData and streams the clock', async () => {
  const plugin = startLauncher({ CLOCK_NODE: process.execPath });
  const clients = connectTo(await plugin.firstLine(), plugin);

  const to = Date.now();
  const from = to - 60_000;
  const res = await unary(
    clients.data,
    'QueryData',
    { pluginContext: pluginContext(), queries: [query('A', { intervalMs: 1000 }, from, to), query('B', { intervalMs: 5 }, from, to)] },
    within(20_000),
  );
  expect(res.responses.A.status).toBe(200);
  const table = tableFromIPC(res.responses.A.frames[0]);
  expect(table.schema.fields.map((f) => f.name)).toEqual(['time', 'second']);
  expect(JSON.parse(table.schema.metadata.get('meta')!).channel).toBe(`ds/${UID}/clock/1000`);
  const times = table.getChild('time')!.toArray() as ArrayLike<unknown>;
  const seconds = table.getChild('second')!.toArray() as Float64Array;
  expect([60, 61]).toContain(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const t = millis(times[i]);
    expect(t % 1000).toBe(0);
    expect(t).toBeGreaterThanOrEqual(from);
    expect(t).toBeLessThanOrEqual(to);
    expect(seconds[i]).toBe((t % 60_000) / 1000);
  }
  expect(res.responses.B.status).toBe(400);
  expect(res.responses.B.error).toMatch(/intervalMs must be a whole number between 10 and 3600000 \(got 5\)/);

  expect((await unary(clients.stream, 'SubscribeStream', { pluginContext: pluginContext(), path: 'clock/50' }, within(10_000))).status).toBe('OK');
  expect((await unary(clients.stream, 'SubscribeStream', { pluginContext: pluginContext(), path: 'clock/5' }, within(10_000))).status).toBe('NOT_FOUND');

  const call = clients.stream.RunStream({ pluginContext: pluginContext(), path: 'clock/50' }, { deadline: Date.now() + 20_000 });
  const packets: Array<{ schema?: { fields: Array<{ name: string }> }; data: { values: number[][] } }> = [];
  const ended = collect(call);
  await new Promise<void>((resolve) => {
    call.on('data', (m: { data: Buffer }) => {
      packets.push(JSON.parse(Buffer.from(m.data).toString()));
      if (packets.length === 5) resolve();
    });
  });
  call.cancel();
  await ended;

  expect(packets[0].schema!.fields.map((f) => f.name)).toEqual(['time', 'second']);
  expect(packets.slice(1).every((p) => p.schema === undefined)).toBe(true);
  const rows = packets.map((p) => [p.data.values[0][0], p.data.values[1][0]]);
  rows.forEach(([t, second]) => {
    expect(t % 50).toBe(0);
    expect(second).toBe((t % 60_000) / 1000);
  });
  rows.slice(1).forEach(([t], i) => expect(t).toBeGreaterThan(rows[i][0]));
});

test('the launcher points Grafana at a running sidecar instead when given its address', async () => {
  const socket = path.join(tempDir('sdk-pack-sock-'), 'clock.sock');
  const sidecar = spawnPlugin(path.join(project, 'dist', 'backend', 'main.js'), { PATH: process.env.PATH }, ['--listen', `unix:${socket}`]);
  started.push(sidecar);
  await sidecar.waitForMessage('plugin serving');

  const launcher = startLauncher({ CLOCK_SIDECAR_ADDRESS: `unix:${socket}` });
  const line = await launcher.firstLine();
  expect(line).toBe(`1|2|unix|${socket}|grpc`);
  const clients = connectTo(line, launcher);
  const health = await unary(clients.diagnostics, 'CheckHealth', { pluginContext: pluginContext() }, within(10_000));
  expect(health.status).toBe('OK');
  expect(health.message).toMatch(/^The clock is ticking/);
});

test('the CLI refuses a launcher name that is not a plain file name, with a clear message', () => {
  const result = spawnSync(path.join(project, 'node_modules', '.bin', 'grafana-node-plugin'), ['launcher', '--executable', 'gpx clock;rm', '--env-prefix', 'CLOCK'], {
    cwd: project,
    encoding: 'utf8',
  });
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/--executable must be a plain file name/);
  expect(existsSync(path.join(project, 'dist', 'gpx clock;rm_linux_amd64'))).toBe(false);
});
