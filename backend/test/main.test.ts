/**
 * The real bundle (`dist/backend/main.js`, built by `npm run build`) starts like a Grafana plugin,
 * runs without node_modules, and serves the SDK's services; Tributary's own behaviour is tested by
 * the datasource tests.
 */
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { grafanaEnv, spawnPlugin, startManaged } from './helpers/harness';
import { connect, repoRoot, tempDir, unary } from '../../tests/support/goplugin';

jest.setTimeout(20_000);

const built = path.join(repoRoot, 'dist', 'backend', 'main.js');

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
});

test('runs from a directory without node_modules, handshakes, answers health and exits on Shutdown', async () => {
  const lonely = path.join(tempDir('sdk-main-'), 'main.js');
  copyFileSync(built, lonely);
  const { plugin, handshake } = await startManaged(lonely, { PLUGIN_UNIX_SOCKET_DIR: path.dirname(lonely) });
  expect(plugin.stdoutLines[0]).toBe(`1|2|unix|${handshake.address}|grpc`);
  const c = connect(handshake);
  expect(await unary(c.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  const metrics = await unary(c.diagnostics, 'CollectMetrics', {});
  expect(Buffer.from(metrics.metrics.prometheus).toString()).toMatch(/^process_resident_memory_bytes \d/m);
  const serving = await plugin.waitForMessage('plugin serving');
  expect(serving.json?.['@module']).toBe('tributary-streaming-datasource');
  await unary(c.controller, 'Shutdown', {});
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
  expect(plugin.stdoutLines).toHaveLength(1);
  c.close();
});

test('run by hand without Grafana: one explanation line and exit code 1', async () => {
  const env = grafanaEnv();
  delete env.grafana_plugin_type;
  const plugin = spawnPlugin(built, env);
  expect(await plugin.exited).toEqual({ code: 1, signal: null });
  expect(plugin.stdoutLines).toEqual([]);
  expect(plugin.stderrLines.map((l) => l.raw)).toEqual([expect.stringMatching(/^\[ERROR\] tributary-streaming-datasource: this program is a Grafana backend plugin/)]);
});

test('--help prints usage with the log levels and defaults on stdout and exits 0', async () => {
  const plugin = spawnPlugin(built, { PATH: process.env.PATH }, ['--help']);
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
  const help = plugin.stdoutLines.join('\n');
  expect(help).toMatch(/--listen unix:\/path\.sock\|tcp:HOST:PORT/);
  expect(help).toMatch(/TRIBUTARY_LISTEN/);
  expect(help).toMatch(/trace, debug, info, warn, error or off; default info/);
  expect(help).toMatch(/default 0660/);
  expect(plugin.stderrText()).toBe('');
});

test('sidecar mode from TRIBUTARY_LISTEN', async () => {
  const socket = path.join(tempDir('sdk-main-'), 'tributary.sock');
  const plugin = spawnPlugin(built, { PATH: process.env.PATH, TRIBUTARY_LISTEN: `unix:${socket}` });
  await plugin.waitForMessage('plugin serving');
  const c = connect({ network: 'unix', address: socket });
  await unary(c.controller, 'Shutdown', {});
  expect(await unary(c.health, 'Check', { service: 'plugin' })).toEqual({ status: 'SERVING' });
  c.close();
  plugin.child.kill('SIGTERM');
  expect(await plugin.exited).toEqual({ code: 0, signal: null });
});
