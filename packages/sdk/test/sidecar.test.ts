/**
 * Sidecar mode (`--listen`): no handshake or cookie, socket hygiene, permissions Grafana's container
 * user can use, and a server that outlives Grafana's Shutdown calls and connections.
 */
import * as grpc from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { buildTestPlugin, dataQuery, pluginContext, spawnPlugin, type PluginProcess } from './helpers';
import { connect, tempDir, unary } from './helpers';

jest.setTimeout(20_000);

let bundle: string;
let dir: string;
const running: PluginProcess[] = [];

beforeAll(() => {
  bundle = buildTestPlugin('test-plugin-sidecar');
  dir = tempDir('sdk-sidecar-');
});

afterAll(() => {
  for (const p of running) p.kill();
});

/** No Grafana env at all: a sidecar is started by hand, compose or systemd. */
const plainEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, ...extra });

async function startSidecar(listen: string, extra: Record<string, string> = {}): Promise<{ plugin: PluginProcess; address: string; network: 'unix' | 'tcp' }> {
  const plugin = spawnPlugin(bundle, plainEnv(extra), ['--listen', listen]);
  running.push(plugin);
  const serving = await Promise.race([
    plugin.waitForMessage('plugin serving'),
    plugin.exited.then(() => {
      throw new Error(`sidecar exited:\n${plugin.stderrText()}`);
    }),
  ]);
  return { plugin, address: String(serving.json!.address), network: serving.json!.network as 'unix' | 'tcp' };
}

test('serves on the given unix socket with mode 0660, prints nothing on stdout, survives Shutdown and many connections', async () => {
  const socket = path.join(dir, 'plugin.sock');
  const { plugin, address, network } = await startSidecar(`unix:${socket}`);
  expect({ address, network }).toEqual({ address: socket, network: 'unix' });
  expect(lstatSync(socket).isSocket()).toBe(true);
  expect(statSync(socket).mode & 0o777).toBe(0o660);

  // Two "Grafana instances" at once, each sending Shutdown as Grafana does when it stops the plugin.
  const first = connect({ network: 'unix', address: socket });
  const second = connect({ network: 'unix', address: socket });
  const res = await unary(first.data, 'QueryData', { pluginContext: pluginContext(), queries: [dataQuery('A', '', { value: 1 })] });
  expect(tableFromIPC(res.responses.A.frames[0]).getChild('datasource')!.toArray()[1]).toBe('sidecar');
  await unary(first.controller, 'Shutdown', {});
  await plugin.waitForLog((l) => String(l.json?.['@message']).includes('sidecar mode keeps serving'));
  expect(await unary(second.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  first.close();
  second.close();
  for (let i = 0; i < 5; i++) {
    const again = connect({ network: 'unix', address: socket });
    expect(await unary(again.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
    await unary(again.controller, 'Shutdown', {});
    again.close();
  }
  expect(plugin.child.exitCode).toBeNull();
  expect(plugin.stdoutLines).toEqual([]);

  plugin.child.kill('SIGTERM');
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
  expect(existsSync(socket)).toBe(false);
});

test('a stale socket file from a crashed run is replaced', async () => {
  const socket = path.join(dir, 'stale.sock');
  // A server killed with SIGKILL leaves its socket file behind.
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  expect(lstatSync(socket).isSocket()).toBe(true);
  const { plugin } = await startSidecar(`unix:${socket}`);
  await plugin.waitForMessage('removed stale socket from a previous run');
  const client = connect({ network: 'unix', address: socket });
  expect(await unary(client.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  client.close();
  plugin.child.kill('SIGINT');
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
});

test('a path that is a regular file is refused and left untouched', async () => {
  const file = path.join(dir, 'not-a-socket.sock');
  writeFileSync(file, 'precious data');
  const plugin = spawnPlugin(bundle, plainEnv(), ['--listen', `unix:${file}`]);
  expect(await plugin.exited).toEqual({ code: 1, signal: null });
  expect(plugin.stderrText()).toMatch(/\[ERROR\].*not-a-socket\.sock exists and is not a unix socket; refusing to replace it/);
  expect(readFileSync(file, 'utf8')).toBe('precious data');
});

test('a socket a live server answers on is refused', async () => {
  const socket = path.join(dir, 'busy.sock');
  const { plugin: owner } = await startSidecar(`unix:${socket}`);
  const intruder = spawnPlugin(bundle, plainEnv(), ['--listen', `unix:${socket}`]);
  expect(await intruder.exited).toEqual({ code: 1, signal: null });
  expect(intruder.stderrText()).toMatch(/busy\.sock is in use by a running server/);
  const client = connect({ network: 'unix', address: socket });
  expect(await unary(client.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  client.close();
  owner.child.kill('SIGTERM');
  await owner.exited;
});

test('TCP sidecar; unix socket mode and group owner from the environment', async () => {
  const { plugin, address, network } = await startSidecar('tcp:127.0.0.1:0');
  expect(network).toBe('tcp');
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  const client = connect({ network: 'tcp', address });
  expect(await unary(client.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  client.close();
  plugin.child.kill('SIGTERM');
  expect((await plugin.exited).code).toBe(0);

  const socket = path.join(dir, 'group.sock');
  const grouped = await startSidecar(`unix:${socket}`, { TESTPLUGIN_SOCKET_MODE: '0660', TESTPLUGIN_SOCKET_GROUP: String(process.getgid!()) });
  expect(statSync(socket).mode & 0o777).toBe(0o660);
  expect(statSync(socket).gid).toBe(process.getgid!());
  grouped.plugin.child.kill('SIGTERM');
  await grouped.plugin.exited;
});

test('bad --listen values get a clear error', async () => {
  const plugin = spawnPlugin(bundle, plainEnv(), ['--listen', 'udp:1.2.3.4:5']);
  expect(await plugin.exited).toEqual({ code: 1, signal: null });
  expect(plugin.stderrText()).toMatch(/expected unix:\/path\/to\.sock or tcp:HOST:PORT/);
});

test('RunStream calls end UNAVAILABLE when the sidecar stops, so Grafana re-runs them', async () => {
  const socket = path.join(dir, 'streams.sock');
  const { plugin } = await startSidecar(`unix:${socket}`);
  const client = connect({ network: 'unix', address: socket });
  const call = client.stream.RunStream({ pluginContext: pluginContext(), path: 'ticks' });
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => undefined);
  await new Promise((resolve) => call.once('data', resolve));
  plugin.child.kill('SIGTERM');
  expect(await status).toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(/shutting down/) });
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
  client.close();
});

test('a RunStream whose instance is replaced by newer settings ends UNAVAILABLE, so Grafana re-runs it', async () => {
  const socket = path.join(dir, 'settings.sock');
  await startSidecar(`unix:${socket}`, { TESTPLUGIN_DISPOSE_AFTER_MS: '200' });
  const client = connect({ network: 'unix', address: socket });
  const call = client.stream.RunStream({ pluginContext: pluginContext({ lastUpdatedMS: 1 }), path: 'until-dispose' });
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => undefined);
  await new Promise((resolve) => call.once('data', resolve));
  // Newer settings for the same datasource: the old instance is retired, then disposed (after 200 ms here).
  await unary(client.diagnostics, 'CheckHealth', { pluginContext: pluginContext({ lastUpdatedMS: 2 }) });
  expect(await status).toMatchObject({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(/settings changed/) });
  client.close();
});
