/**
 * Stopping and restarting: SIGTERM in the middle of requests stops within the documented bound and
 * tells every caller why; a sidecar only ever removes its own socket, so one started while the old
 * one drains stays reachable; two sidecars racing for a stale socket end with exactly one serving.
 */
import * as grpc from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { buildTestPlugin, dataQuery, pluginContext, spawnPlugin, startManaged, type PluginProcess } from './helpers';
import { collect, connect, tempDir, unary, within, type Clients } from './helpers';
import { claimSocketPath, privateSocketPath } from '../src/host/socket-path';

jest.setTimeout(60_000);

/** The documented shutdown bounds (docs/sdk.md "Graceful shutdown"). */
const BOUND_MS = { sidecar: 5_000, managed: 1_500 };
/** Liveness slack on a loaded machine; the bound itself is measured by the schedule, not by this test. */
const MARGIN_MS = 2_500;

let bundle: string;
let dir: string;
const running: PluginProcess[] = [];

beforeAll(() => {
  bundle = buildTestPlugin('test-plugin-lifecycle');
  dir = tempDir('sdk-life-');
});

afterAll(() => {
  for (const p of running) p.kill();
});

const plainEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH });

function track(plugin: PluginProcess): PluginProcess {
  running.push(plugin);
  return plugin;
}

/** Resolves once the process logged "plugin serving"; rejects with its stderr if it exited first. */
async function serving(plugin: PluginProcess): Promise<void> {
  await Promise.race([
    plugin.waitForMessage('plugin serving'),
    plugin.exited.then(() => {
      throw new Error(`exited before serving:\n${plugin.stderrText()}`);
    }),
  ]);
}

async function startSidecar(socket: string, program = bundle): Promise<PluginProcess> {
  const plugin = track(spawnPlugin(program, plainEnv(), ['--listen', `unix:${socket}`]));
  await serving(plugin);
  return plugin;
}

/** Waits, without sleeping, until the test plugin counted `value` started slow queries. */
async function started(c: Clients, ctx: Record<string, unknown>, value: number): Promise<void> {
  const { messages, error } = await collect(c.resource.CallResource({ pluginContext: ctx, path: 'wait', method: 'GET', url: `wait?started=${value}` }));
  if (error || messages[0].code !== 200) throw new Error(`waiting for ${value} started queries failed: ${error?.message}`);
}

/** A QueryData call's outcome: the response, or the gRPC error. */
function queryOutcome(c: Clients, ctx: Record<string, unknown>, queryType: string): Promise<{ response?: any; error?: grpc.ServiceError }> {
  return unary(c.data, 'QueryData', { pluginContext: ctx, queries: [dataQuery('Q', queryType, {})] }).then(
    (response) => ({ response }),
    (error: grpc.ServiceError) => ({ error }),
  );
}

/** A socket file nobody listens on, as a SIGKILLed server leaves behind. */
function makeStaleSocket(socket: string): void {
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  expect(lstatSync(socket).isSocket()).toBe(true);
}

describe('SIGTERM in the middle of requests', () => {
  test.each(['sidecar', 'managed'] as const)(
    '%s: exits within the documented bound; an aborted handler answers, one that ignores its signal ends UNAVAILABLE, a worker thread spinning is stopped',
    async (mode) => {
      let plugin: PluginProcess;
      let socket: string;
      if (mode === 'sidecar') {
        socket = path.join(dir, 'sigterm.sock');
        plugin = await startSidecar(socket);
      } else {
        const managed = await startManaged(bundle, { PLUGIN_UNIX_SOCKET_DIR: dir });
        plugin = track(managed.plugin);
        socket = managed.handshake.address;
      }
      const c = connect({ network: 'unix', address: socket });
      // An instance whose dispose() never finishes: it must not hold the process past its bound.
      const ctx = pluginContext({ uid: `hang-${mode}`, jsonData: { hangDispose: true } });
      const polite = queryOutcome(c, ctx, 'busy');
      const stubborn = queryOutcome(c, ctx, 'stubborn');
      const spinning = queryOutcome(c, ctx, 'spin-worker');
      await started(c, ctx, 3);

      const signalled = Date.now();
      plugin.child.kill('SIGTERM');
      expect(await plugin.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(BOUND_MS[mode] + MARGIN_MS);

      // The busy query saw its signal abort with the shutdown reason, and its own answer got out.
      const answered = await polite;
      expect(answered.error).toBeUndefined();
      expect(answered.response.responses.Q).toMatchObject({ status: 503, error: 'busy query stopped: the plugin is shutting down' });
      // The stubborn one was ended by the SDK with a status Grafana reports as "plugin unavailable".
      const ended = await stubborn;
      expect(ended.error).toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'the plugin is shutting down' });
      // The frame task spinning in a worker thread was stopped by terminating its thread.
      const stopped = await spinning;
      expect(stopped.error).toBeUndefined();
      expect(stopped.response.responses.Q).toMatchObject({ status: 503, error: 'query Q was stopped: the plugin is shutting down' });

      await plugin.waitForMessage('calls whose handler ignored the abort end UNAVAILABLE');
      await plugin.waitForMessage('datasource instances did not finish disposing before the shutdown deadline; stopping anyway');
      expect(existsSync(socket)).toBe(false);
      c.close();
    },
  );
});

describe('socket ownership', () => {
  test('a sidecar started while the old one drains stays reachable after the old one exits', async () => {
    const socket = path.join(dir, 'restart.sock');
    const old = await startSidecar(socket);
    const oldClient = connect({ network: 'unix', address: socket });
    const ctx = pluginContext({ uid: 'restart' });
    const inFlight = queryOutcome(oldClient, ctx, 'stubborn');
    await started(oldClient, ctx, 1);

    old.child.kill('SIGTERM');
    await old.waitForMessage('shutting down');
    const fresh = await startSidecar(socket);
    expect(old.child.exitCode).toBeNull(); // still draining its in-flight query
    expect(await old.exited).toEqual({ code: 0, signal: null });

    const client = connect({ network: 'unix', address: socket });
    const res = await unary(client.data, 'QueryData', { pluginContext: pluginContext(), queries: [dataQuery('A', '', { value: 7 })] }, within(10_000));
    expect(Array.from(tableFromIPC(res.responses.A.frames[0]).getChild('value')!.toArray())[0]).toBe(7);
    client.close();
    expect((await inFlight).error?.code).toBe(grpc.status.UNAVAILABLE);
    oldClient.close();

    fresh.child.kill('SIGTERM');
    expect(await fresh.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
  });

  test('a socket path taken over by another server while this one runs is left to it at stop', async () => {
    const socket = path.join(dir, 'taken.sock');
    const first = await startSidecar(socket);
    unlinkSync(socket); // e.g. an operator cleaning up, then starting another server on the same path
    const second = await startSidecar(socket);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const client = connect({ network: 'unix', address: socket });
    expect(await unary(client.health, 'Check', { service: 'plugin' }, within(10_000))).toEqual({ status: 'SERVING' });
    client.close();
    expect(first.stderrText()).toContain('the socket path belongs to another process now; left it in place');
    second.child.kill('SIGTERM');
    await second.exited;
  });

  test('two sidecars started at once on a stale socket: one serves, the other exits 1 with one clear line (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const socket = path.join(dir, `race-${round}.sock`);
      makeStaleSocket(socket);
      const pair = [0, 1].map(() => track(spawnPlugin(bundle, plainEnv(), ['--listen', `unix:${socket}`])));
      const outcomes = await Promise.all(
        pair.map((p) => Promise.race([p.waitForMessage('plugin serving').then(() => 'serving'), p.exited.then(() => 'exited')])),
      );
      expect([...outcomes].sort()).toEqual(['exited', 'serving']);
      const winner = pair[outcomes.indexOf('serving')];
      const loser = pair[outcomes.indexOf('exited')];

      expect(await loser.exited).toEqual({ code: 1, signal: null });
      expect(loser.stdoutLines).toEqual([]);
      // The test plugin prints two lines of its own at module load (to check the stdout guard); the rest is the failure.
      const lines = loser.stderrLines.map((l) => l.raw).filter((l) => !/module load/.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[ERROR\] sdk-test-datasource: \S*race-\d+\.sock /);

      const client = connect({ network: 'unix', address: socket });
      expect(await unary(client.health, 'Check', { service: 'plugin' }, within(10_000))).toEqual({ status: 'SERVING' });
      client.close();
      winner.child.kill('SIGTERM');
      expect(await winner.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(socket)).toBe(false);
    }
  });

  test('claims interleaved in one process: the stale socket goes, the winner is put back, the loser is told it is in use', async () => {
    const socket = path.join(dir, 'interleaved.sock');
    makeStaleSocket(socket);
    // Two servers on private names, claiming the same path concurrently: their probes of the stale
    // socket overlap, so the second one moves the winner's fresh socket aside and must restore it.
    const servers = await Promise.all(
      [0, 1].map(async () => {
        const privatePath = privateSocketPath(socket);
        const server = net.createServer((conn) => {
          conn.on('error', () => undefined); // the claim's probes hang up at once
          conn.end(privatePath);
        });
        await new Promise<void>((resolve) => server.listen(privatePath, resolve));
        return { server, privatePath };
      }),
    );
    const outcomes = await Promise.allSettled(servers.map((s) => claimSocketPath(s.privatePath, socket)));
    const statuses = outcomes.map((o) => o.status).sort();
    expect(statuses).toEqual(['fulfilled', 'rejected']);
    const winner = servers[outcomes.findIndex((o) => o.status === 'fulfilled')];
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.message).toBe(`${socket} is in use by a running server; stop it or choose another --listen path`);
    // The path answers with the winner, and no private or moved-aside names are left behind.
    const answer = await new Promise<string>((resolve, reject) => {
      const conn = net.connect(socket);
      let text = '';
      conn.on('data', (d) => (text += d));
      conn.on('end', () => resolve(text));
      conn.on('error', reject);
    });
    expect(answer).toBe(winner.privatePath);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    for (const s of servers) s.server.close();
    unlinkSync(socket);
  });
});

test('--help says TCP is unauthenticated, what to prefer, and that 0.0.0.0 exposes the backend', async () => {
  const plugin = spawnPlugin(bundle, plainEnv(), ['--help']);
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
  const help = plugin.stdoutLines.join('\n');
  expect(help).toMatch(/no TLS and no authentication/);
  expect(help).toMatch(/prefer a unix socket or tcp:127\.0\.0\.1:PORT/);
  expect(help).toMatch(/tcp:0\.0\.0\.0:PORT exposes the backend to the whole network/);
});
