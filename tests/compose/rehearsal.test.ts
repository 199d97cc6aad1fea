/**
 * "docker compose up" without Docker: every step the compose services take, run on this machine with
 * the container paths mapped to temp dirs, then a query and a live stream through the launcher.
 *
 *   plugin-files  its script, with /opt/tributary -> the repo (the image's WORKDIR holding dist/),
 *                 /plugin -> a temp plugin dir, /run/tributary -> a temp socket dir;
 *   backend       its exact `command` in its `working_dir` (-> the repo), same socket mapping, and its
 *                 healthcheck command run as Docker would before Grafana may start;
 *   grafana       the launcher from the plugin dir, with the environment Grafana >= 12.4 gives a plugin
 *                 (go-plugin variables only; compose configures no [plugin.*] ini keys). The one
 *                 stand-in: TRIBUTARY_DEFAULT_SOCKET points the launcher's default /run/tributary/plugin.sock
 *                 at the temp socket dir, which is what the shared volume mount does in Docker.
 * Then, as Grafana would: CheckHealth, QueryData for every provisioned panel query, SubscribeStream
 * and RunStream on the channel the streaming query returned.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { commandOf, environmentOf, loadCompose, repoRoot } from './compose-file';
import { launcherFor, requireBuiltBundle, startPlugin, stopChild, type RunningPlugin } from '../launcher/harness';
import { clientFor, grafanaPluginEnv, parseHandshake, removeTempDirs, tempDir, unary, within, type Handshake } from '../support/goplugin';
import {
  frameMeta,
  pluginContext,
  pluginJson,
  provisionedDatasource,
  queryData,
  runStream,
  streamPathFor,
  subscribeStream,
} from '../launcher/grafana-calls';

jest.setTimeout(60_000);

const SOCKET_DIR = '/run/tributary';
const IMAGE_WORKDIR = '/opt/tributary';

const compose = loadCompose();
const datasource = provisionedDatasource();
const dashboard = JSON.parse(
  readFileSync(path.join(repoRoot, 'provisioning', 'dashboards', 'tributary', 'tributary-overview.json'), 'utf8'),
);

let work: string;
let socketDir: string;
let pluginDir: string;
let sidecar: ChildProcess | undefined;
let sidecarLog = '';
let launcher: RunningPlugin | undefined;
let handshake: Handshake;

/** Container path -> rehearsal path. */
function mapPath(text: string): string {
  return text
    .replaceAll(SOCKET_DIR, socketDir)
    .replaceAll(`${IMAGE_WORKDIR}/dist`, path.join(repoRoot, 'dist'))
    .replace(/(^|\s)\/plugin(\/|\s|$)/g, (_m, before, after) => `${before}${pluginDir}${after}`);
}

function runPluginFiles(): void {
  const script = commandOf(compose.services['plugin-files']).slice(2).join('\n');
  const asRoot = process.getuid?.() === 0;
  // chown to 472:0 needs root; as another user the rest of the script still runs.
  const lines = mapPath(script)
    .split('\n')
    .filter((line) => asRoot || !/^\s*(chown|chmod)\b/.test(line));
  execFileSync('/bin/sh', ['-ec', lines.join('\n')], { stdio: 'pipe' });
}

function startBackend(): Promise<void> {
  const backend = compose.services.backend;
  const [program, ...args] = commandOf(backend).map(mapPath);
  expect(program).toBe('node');
  expect(backend.working_dir).toBe(IMAGE_WORKDIR);
  sidecar = spawn(process.execPath, args, {
    cwd: repoRoot, // the image's working_dir: where dist/ lives
    env: { ...environmentOf(backend), PATH: path.dirname(process.execPath) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      sidecarLog += chunk.toString();
      if (sidecarLog.includes('plugin serving')) resolve();
    };
    sidecar!.stdout!.on('data', onData);
    sidecar!.stderr!.on('data', onData);
    sidecar!.once('exit', (code) => reject(new Error(`the backend exited with code ${code}:\n${sidecarLog}`)));
  });
}

function runHealthcheck(): { code: number; output: string } {
  const test = compose.services.backend.healthcheck!.test as string[];
  expect(test[0]).toBe('CMD');
  const [program, ...args] = test.slice(1).map(mapPath);
  expect(program).toBe('node');
  try {
    return { code: 0, output: execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

beforeAll(async () => {
  requireBuiltBundle();
  work = tempDir('trr-');
  socketDir = path.join(work, 'run');
  pluginDir = path.join(work, 'plugin');
  mkdirSync(socketDir);
  mkdirSync(pluginDir);

  runPluginFiles();
  await startBackend();
  const health = runHealthcheck();
  expect(health).toEqual({ code: 0, output: expect.stringContaining('SERVING') });

  const executable = launcherFor(pluginDir, pluginJson.executable);
  launcher = startPlugin({ name: 'direct exec', argv: [] }, executable, {
    ...grafanaPluginEnv(),
    TRIBUTARY_DEFAULT_SOCKET: path.join(socketDir, 'plugin.sock'),
  });
  handshake = parseHandshake(await launcher.firstLine);
});

afterAll(async () => {
  if (launcher) {
    launcher.child.kill('SIGKILL');
    await launcher.closed;
  }
  await stopChild(sidecar);
  removeTempDirs();
});

describe('compose rehearsal', () => {
  it('installs the plugin files Grafana loads (plugin.json, module.js, launchers, backend bundle)', () => {
    const files = execFileSync('ls', ['-A', pluginDir], { encoding: 'utf8' }).split('\n');
    expect(files).toEqual(expect.arrayContaining(['plugin.json', 'module.js', 'backend', `${pluginJson.executable}_linux_amd64`, `${pluginJson.executable}_linux_arm64`]));
  });

  it('the launcher finds the backend through the shared socket with zero configuration', () => {
    expect(handshake.line).toBe(`1|2|unix|${path.join(socketDir, 'plugin.sock')}|grpc`);
  });

  it('CheckHealth through the launcher address reports OK for the provisioned datasource', async () => {
    const client = clientFor('diagnostics', handshake);
    const res = await unary<{ status: string; message: string }>(client, 'CheckHealth', { pluginContext: pluginContext() }, within(10_000));
    client.close();
    expect(res.status).toBe('OK');
  });

  it('QueryData answers every provisioned panel query; streaming ones carry a ds/<uid>/ channel', async () => {
    const targets = dashboard.panels.flatMap((panel: { id: number; targets: Array<Record<string, unknown>> }) =>
      panel.targets.map((target) => ({ ...target, refId: `${panel.id}-${target.refId}` })),
    );
    const answers = await queryData(handshake, targets);
    targets.forEach((target: Record<string, unknown>, i: number) => {
      const answer = answers[i];
      expect([answer.refId, answer.status, answer.error]).toEqual([target.refId, 200, '']);
      expect(answer.frames.length).toBeGreaterThan(0);
      const meta = frameMeta(answer);
      if (target.withStreaming) expect(meta.channel).toMatch(new RegExp(`^ds/${datasource.uid}/.+`));
      else expect(meta.channel).toBeUndefined();
    });
  });

  it('SubscribeStream and RunStream deliver frame JSON on the streaming panel channel', async () => {
    const panel = dashboard.panels.find(
      (p: { type: string; targets: Array<{ withStreaming: boolean }> }) => p.type === 'timeseries' && p.targets[0].withStreaming,
    );
    const target = panel.targets[0];
    const streamPath = await streamPathFor(handshake, target);

    const subscribed = await subscribeStream(handshake, streamPath);
    expect(subscribed.status).toBe('OK');
    const initial = JSON.parse(subscribed.data.toString());
    expect(initial.schema.fields.length).toBe(1 + target.seriesCount);

    const stream = runStream(handshake, streamPath);
    const packet = await stream.firstRows;
    stream.cancel();
    expect(packet.data.values).toHaveLength(1 + target.seriesCount);
  });
});
