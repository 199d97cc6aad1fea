/**
 * Cancelled RunStreams release their channel, and a burst of cancels on one connection does not take
 * the other calls on that connection down. Drives the built backend (dist/backend/main.js, from
 * `npm run build:backend`) as a sidecar on a unix socket, like Grafana does.
 */
import * as grpc from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { pluginContext, spawnPlugin, type PluginProcess } from './helpers/harness';
import { connect, repoRoot, serviceDefinitions, tempDir, unary, within, type Clients } from '../../tests/support/goplugin';

jest.setTimeout(90_000);

const built = path.join(repoRoot, 'dist', 'backend', 'main.js');
let plugin: PluginProcess;
let socket: string;
const opened: Clients[] = [];

beforeAll(async () => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build:backend first`);
  socket = path.join(tempDir('tributary-cancel-'), 'plugin.sock');
  plugin = spawnPlugin(built, { PATH: process.env.PATH }, ['--listen', `unix:${socket}`]);
  await Promise.race([
    plugin.waitForMessage('plugin serving'),
    plugin.exited.then(() => {
      throw new Error(`sidecar exited:\n${plugin.stderrText()}`);
    }),
  ]);
});

afterAll(() => {
  for (const c of opened) c.close();
  plugin?.kill();
});

function open(): Clients {
  const c = connect({ network: 'unix', address: socket });
  opened.push(c);
  return c;
}

const ctx = (): Record<string, unknown> => ({ ...pluginContext({ uid: 'trib-cancel' }), pluginId: 'tributary-streaming-datasource' });
const channel = (i: number): string => `v1/counter/n=1/i=${100 + i}/a=1/o=0`;

/** The sidecar's own view: live channels with a running upstream, and RunStream calls in flight. */
async function gauges(c: Clients): Promise<{ channels: number; streams: number }> {
  const res = await unary(c.diagnostics, 'CollectMetrics', {}, within(5_000));
  const text = Buffer.from(res.metrics.prometheus).toString();
  const read = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { channels: read('tributary_active_channels'), streams: read('grafana_plugin_active_streams') };
}

/** Polls until both gauges are 0 (bounded): a leaked channel never gets there. */
async function settlesToZero(c: Clients, withinMs: number): Promise<{ channels: number; streams: number }> {
  const deadline = Date.now() + withinMs;
  let last = await gauges(c);
  while ((last.channels !== 0 || last.streams !== 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await gauges(c);
  }
  return last;
}

/** A RunStream that yields its first packet, for counting who is still alive. */
function runStream(c: Clients, path: string): { call: grpc.ClientReadableStream<unknown>; first: Promise<void>; packets: () => number; ended: Promise<unknown>; isOver: () => unknown } {
  const call = c.stream.RunStream({ pluginContext: ctx(), path }) as grpc.ClientReadableStream<unknown>;
  let packets = 0;
  let over: unknown;
  const first = new Promise<void>((resolve) => call.on('data', () => (++packets === 1 ? resolve() : undefined)));
  const ended = new Promise((resolve) => {
    call.on('error', (err) => resolve((over = err)));
    call.on('end', () => resolve((over = 'ended')));
  });
  return { call, first, packets: () => packets, ended, isOver: () => over };
}

test('50 RunStreams whose request and cancel reach the plugin in the same tick leave no channel running', async () => {
  const c = open();
  expect((await unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx() }, within(5_000))).status).toBe('OK');
  expect(await gauges(c)).toEqual({ channels: 0, streams: 0 });
  // A raw HTTP/2 client, so HEADERS, the request message (END_STREAM) and RST_STREAM(CANCEL) of each
  // call leave together, as a client does whose context is cancelled right after it starts the call.
  const runStreamMethod = serviceDefinitions().stream.RunStream;
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  const resets: Promise<void>[] = [];
  for (let i = 0; i < 50; i++) {
    const body = runStreamMethod.requestSerialize({ pluginContext: ctx(), path: channel(i % 5) });
    const framed = Buffer.alloc(5 + body.length);
    framed.writeUInt32BE(body.length, 1);
    body.copy(framed, 5);
    const stream = session.request({ ':method': 'POST', ':path': runStreamMethod.path, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    stream.resume();
    stream.end(framed);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    resets.push(new Promise((resolve) => stream.on('close', () => resolve())));
  }
  await Promise.all(resets);
  expect(await settlesToZero(c, 5_000)).toEqual({ channels: 0, streams: 0 });
  session.close();
});

test('RunStreams cancelled by grpc-js right after they start leave no channel running', async () => {
  const c = open();
  const calls = Array.from({ length: 50 }, (_, i) => runStream(c, channel(i % 5)));
  // grpc-js starts the HTTP/2 stream a microtask after the call is created; a cancel() in that same
  // tick never reaches the wire (see docs/sdk.md), so cancel as soon as the stream can carry it.
  await new Promise((resolve) => setImmediate(resolve));
  for (const { call } of calls) call.cancel();
  await Promise.all(calls.map((s) => s.ended));
  expect(await settlesToZero(c, 5_000)).toEqual({ channels: 0, streams: 0 });
});

/** Node ≥ 22.10 lets a server raise HTTP/2's stream-reset limit; older ones keep nghttp2's 1,000 burst. */
const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number);
const nodeCanRaiseResetLimit = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 10);

/** Stream and diagnostics clients on a connection of their own (grpc-js shares connections by default). */
function ownConnection(): { stream: any; diagnostics: any; close(): void } {
  const { stream, diagnostics } = serviceDefinitions();
  const options: grpc.ClientOptions = { 'grpc.use_local_subchannel_pool': 1, 'grpc.default_authority': 'unused' };
  const StreamClient = grpc.makeGenericClientConstructor(stream, 'stream');
  const DiagnosticsClient = grpc.makeGenericClientConstructor(diagnostics, 'diagnostics');
  const s = new StreamClient(`unix:${socket}`, grpc.credentials.createInsecure(), options);
  const d = new DiagnosticsClient(`unix:${socket}`, grpc.credentials.createInsecure(), { ...options, channelOverride: s.getChannel() });
  return { stream: s, diagnostics: d, close: () => s.close() };
}

const burstSize = nodeCanRaiseResetLimit ? 1_500 : 990;

test(`a burst of ${burstSize} cancels on one connection leaves the other calls on it working`, async () => {
  // Where Node cannot raise the limit, the sidecar says so once at start-up (docs/sdk.md documents it).
  const startupWarning = plugin.stderrLines.filter((l) => /cannot raise HTTP\/2's stream-reset limit/.test(String(l.json?.['@message'])));
  expect(startupWarning).toHaveLength(nodeCanRaiseResetLimit ? 0 : 1);

  const c = ownConnection();
  try {
    const survivor = runStream(c as unknown as Clients, channel(99));
    await survivor.first;
    const burst = Array.from({ length: burstSize }, (_, i) => runStream(c as unknown as Clients, channel(i % 10)));
    await Promise.all(burst.map((s) => s.first));
    for (const { call } of burst) call.cancel();
    await Promise.all(burst.map((s) => s.ended));

    // The survivor was never cut off (a torn-down connection ends it with INTERNAL, "Session closed
    // with error code 2") and keeps streaming; unary calls still work.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = survivor.packets();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(survivor.isOver()).toBeUndefined();
    expect(survivor.packets()).toBeGreaterThan(before);
    expect((await unary(c.diagnostics, 'CheckHealth', { pluginContext: ctx() }, within(5_000))).status).toBe('OK');
    expect(plugin.stderrLines.filter((l) => /torn down/.test(String(l.json?.['@message'])))).toEqual([]);

    survivor.call.cancel();
    await survivor.ended;
    expect(await settlesToZero(c as unknown as Clients, 5_000)).toEqual({ channels: 0, streams: 0 });
  } finally {
    c.close();
  }
});
