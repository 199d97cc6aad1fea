/**
 * Web sources end to end (issue 13): messages/s a WebSocket, an SSE and an HTTP polling datasource
 * ingest and deliver to a RunStream reader, message → packet latency, and sidecar memory per open
 * connection.
 *
 * Processes (loopback and a unix socket, each stopped by its PID):
 *  - a server process (forked from this file): one node:http server with a `ws` WebSocket endpoint
 *    (/ws), an event stream (/sse) and a JSON endpoint (/poll) answering the last 2,000 rows; it emits
 *    `{"ts":<epoch ms>,"seq":<n>}` at a fixed rate (1 ms ticks, what is due each tick);
 *  - the built sidecar (`dist/backend/main.js --listen unix:…`, the product's Node flags);
 *  - this process: the reader (QueryData with streaming → meta.channel → SubscribeStream → RunStream,
 *    as Grafana does; counts every `seq` cell once and times it against `ts`, the payload time the
 *    mapping puts in the row), then, measured alone at the same rates, the reference: a bare client of
 *    the same endpoint (`ws` WebSocket, node:http event-stream reader, fetch poller at the same interval).
 *
 * Targets (as MQTT's): latency p99 ≤ one packet interval + 10 ms (60 ms at the default 20 packets/s);
 * polling adds its interval (a row waits for the next poll). Memory per connection: sidecar RSS growth
 * over CONNECTIONS distinct idle streams, divided by their number.
 * Needs `npm run build:backend`. Bounded: about 60 s.
 */
import type * as grpc from '@grpc/grpc-js';
import { tableFromIPC } from 'apache-arrow';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import nodeRuntime from '../backend/launcher/node-runtime.json';
import { pluginContext, spawnPlugin, type PluginProcess } from '../backend/test/helpers/harness';
import { connect, unary, within, type Clients } from '../tests/support/goplugin';
import { MiB, Samples, fmt, line, procStatusBytes, ratio, sleep } from './support';
import { atMost, verdict } from './support/targets';

type Kind = 'websocket' | 'sse' | 'http-poll';
const KINDS: Kind[] = ['websocket', 'sse', 'http-poll'];
const RATES = (process.env.BENCH_SOURCES_RATES ?? '1000,5000,20000').split(',').map(Number);
const POLL_RATE = Number(process.env.BENCH_SOURCES_POLL_RATE ?? 1000);
const POLL_INTERVAL_MS = 200;
const PHASE_MS = Number(process.env.BENCH_SOURCES_MS ?? 3_000);
const CONNECTIONS = 50;
const PACKETS_PER_SECOND = 20; // the datasource default
const LATENCY_TARGET_MS = 1000 / PACKETS_PER_SECOND + 10;
const POLL_ROWS = 2_000;
const PLUGIN_ID = 'tributary-streaming-datasource';

// ------------------------------------------------------------------ server process

type ToServer = { type: 'emit'; kind: Kind; rate: number; ms: number; firstSeq: number } | { type: 'stop' };
type FromServer = { type: 'ready'; port: number } | { type: 'emitted'; count: number; ms: number };

async function server(): Promise<void> {
  const events = new Set<ServerResponse>();
  const rows: string[] = [];
  const httpServer = http.createServer((req, res) => {
    // Only the measured stream (no query string) gets messages; the idle ones of the memory figure stay idle.
    if (req.url?.startsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      if (req.url !== '/sse') return;
      events.add(res);
      res.on('close', () => events.delete(res));
    } else if (req.url?.startsWith('/poll')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/poll' ? `{"items":[${rows.join(',')}]}` : '{"items":[]}');
    } else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: httpServer, path: '/ws' });
  const feed = new Set<WebSocket>();
  wss.on('connection', (socket, req) => {
    if (req.url !== '/ws') return;
    feed.add(socket);
    socket.on('close', () => feed.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const emitOne: Record<Kind, (payload: string) => void> = {
    websocket: (payload) => {
      for (const client of feed) client.send(payload);
    },
    sse: (payload) => {
      for (const res of events) res.write(`data: ${payload}\n\n`);
    },
    'http-poll': (payload) => {
      rows.push(payload);
      if (rows.length > POLL_ROWS) rows.shift();
    },
  };
  process.on('message', async (message: ToServer) => {
    if (message.type === 'stop') {
      for (const client of wss.clients) client.terminate();
      httpServer.closeAllConnections();
      httpServer.close();
      process.disconnect?.();
      return;
    }
    const { kind, rate, ms, firstSeq } = message;
    const total = Math.round((rate * ms) / 1000);
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor((rate * (performance.now() - started)) / 1000));
      while (sent < due) emitOne[kind](`{"ts":${Date.now()},"seq":${firstSeq + sent++}}`);
      await sleep(1);
    }
    process.send?.({ type: 'emitted', count: sent, ms: performance.now() - started } satisfies FromServer);
  });
  process.send?.({ type: 'ready', port: (httpServer.address() as AddressInfo).port } satisfies FromServer);
}

// ------------------------------------------------------------------ counting

class Tally {
  received = 0;
  duplicates = 0;
  latency = new Samples();
  lastSeq = -1;
  add(seq: number, latencyMs: number): void {
    if (seq <= this.lastSeq) {
      this.duplicates++;
      return;
    }
    this.lastSeq = seq;
    this.received++;
    this.latency.add(latencyMs);
  }
  reset(): void {
    this.received = 0;
    this.duplicates = 0;
    this.latency.clear();
  }
}

// ------------------------------------------------------------------ the datasource's reader

function settingsFor(kind: Kind, port: number) {
  const common = { reconnectMinMs: 50, reconnectMaxMs: 500 };
  const jsonData =
    kind === 'websocket'
      ? { sourceKind: kind, websocket: { ...common, url: `ws://127.0.0.1:${port}/`, maxMessageBytes: 4096 } }
      : kind === 'sse'
        ? { sourceKind: kind, sse: { ...common, url: `http://127.0.0.1:${port}/` } }
        : { sourceKind: kind, httpPoll: { ...common, url: `http://127.0.0.1:${port}/`, minIntervalMs: 100, intervalMs: POLL_INTERVAL_MS, rowsPath: 'items' } };
  return { ...pluginContext({ uid: `sources-bench-${kind}`, jsonData }), pluginId: PLUGIN_ID };
}

const PATHS: Record<Kind, string> = { websocket: '/ws', sse: '/sse', 'http-poll': '/poll' };

async function queryData(clients: Clients, ctx: unknown, model: Record<string, unknown>) {
  const now = Date.now();
  const res = await unary(
    clients.data,
    'QueryData',
    { pluginContext: ctx, queries: [{ refId: 'A', maxDataPoints: 1000, intervalMS: 1000, timeRange: { fromEpochMS: now - 60_000, toEpochMS: now }, json: Buffer.from(JSON.stringify({ refId: 'A', ...model })) }] },
    within(30_000),
  );
  const answer = res.responses.A as { status: number; error?: string; frames: Buffer[] };
  if (answer?.status !== 200) throw new Error(`QueryData: status ${answer?.status} ${answer?.error ?? ''}`);
  return answer;
}

/** Opens the kind's stream as Grafana does and counts every seq cell of its packets. */
async function readStream(clients: Clients, kind: Kind, port: number, tally: Tally): Promise<() => void> {
  const ctx = settingsFor(kind, port);
  const model = { path: PATHS[kind], withStreaming: true, mapping: { format: 'json', timeSource: 'payload', timeField: 'ts', timeFormat: 'epoch-ms' } };
  const answer = await queryData(clients, ctx, model);
  const channel = JSON.parse(tableFromIPC(answer.frames[0]).schema.metadata.get('meta') ?? '{}').channel as string | undefined;
  const prefix = `ds/sources-bench-${kind}/`;
  if (!channel?.startsWith(prefix)) throw new Error(`QueryData: no meta.channel under ${prefix}`);
  const streamPath = channel.slice(prefix.length);
  const sub = await unary(clients.stream, 'SubscribeStream', { pluginContext: ctx, path: streamPath }, within(30_000));
  if (sub.status !== 'OK') throw new Error(`SubscribeStream ${streamPath}: ${sub.status}`);
  let seqColumn = -1;
  const call = clients.stream.RunStream({ pluginContext: ctx, path: streamPath }) as grpc.ClientReadableStream<{ data: Buffer }>;
  call.on('data', (message) => {
    const at = Date.now();
    const packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as { schema?: { fields: { name: string }[] }; data?: { values: (number | null)[][] } };
    if (packet.schema) seqColumn = packet.schema.fields.findIndex((field) => field.name === 'seq' || field.name.startsWith('seq '));
    const values = packet.data?.values;
    if (!values || seqColumn < 0 || !values[seqColumn]) return;
    const times = values[0] as number[];
    values[seqColumn].forEach((seq, row) => seq !== null && tally.add(seq, at - times[row]));
  });
  call.on('error', (error: grpc.ServiceError) => {
    if (error.code !== 1) console.error(`sources bench: RunStream ended: ${error.message}`);
  });
  return () => call.cancel();
}

// ------------------------------------------------------------------ bare clients (reference)

function bareClient(kind: Kind, port: number, tally: Tally): Promise<() => void> {
  const onPayload = (text: string) => {
    const message = JSON.parse(text) as { ts: number; seq: number };
    tally.add(message.seq, Date.now() - message.ts);
  };
  if (kind === 'websocket') {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    socket.on('message', (data) => onPayload(data.toString()));
    return new Promise((resolve, reject) => socket.once('open', () => resolve(() => socket.terminate())).once('error', reject));
  }
  if (kind === 'sse') {
    return new Promise((resolve, reject) => {
      const req = http.get(`http://127.0.0.1:${port}/sse`, (res) => {
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const text of lines) if (text.startsWith('data: ')) onPayload(text.slice(6));
        });
        resolve(() => req.destroy());
      });
      req.on('error', reject);
    });
  }
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      const body = (await (await fetch(`http://127.0.0.1:${port}/poll`)).json()) as { items: Array<{ ts: number; seq: number }> };
      // Each answer repeats the rows of earlier polls: only rows not seen yet count (the datasource dedupes too).
      for (const item of body.items) if (item.seq > tally.lastSeq) tally.add(item.seq, Date.now() - item.ts);
      await sleep(Math.max(0, POLL_INTERVAL_MS - (Date.now() - started)));
    }
  };
  void loop();
  return Promise.resolve(() => (stopped = true));
}

// ------------------------------------------------------------------ coordinator

function next<T extends FromServer['type']>(child: ChildProcess, type: T): Promise<Extract<FromServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server exited with ${code}`));
    const onMessage = (message: FromServer) => {
      if (message.type === type) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<FromServer, { type: T }>);
      }
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Until `tally` has `expected` messages, or its count has not moved for 2 s. */
async function drain(tally: Tally, expected: number): Promise<void> {
  let last = -1;
  let still = 0;
  while (tally.received < expected && still < 20) {
    still = tally.received === last ? still + 1 : 0;
    last = tally.received;
    await sleep(100);
  }
}

interface Phase {
  rate: number;
  emitted: number;
  plugin: { received: number; duplicates: number; p50: number; p99: number };
  bare: { received: number; duplicates: number; p50: number; p99: number };
  peakRssMiB: number;
}

const figures = (t: Tally) => ({ received: t.received, duplicates: t.duplicates, p50: t.latency.quantile(0.5), p99: t.latency.quantile(0.99) });

async function coordinator(): Promise<void> {
  const bundle = path.resolve('dist/backend/main.js');
  if (!existsSync(bundle)) throw new Error('sources bench: dist/backend/main.js is missing; run `npm run build:backend` first');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trib-sources-bench-'));
  const socket = path.join(dir, 'plugin.sock');
  const serverChild = fork(process.argv[1], ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let sidecar: PluginProcess | undefined;
  let clients: Clients | undefined;
  try {
    const { port } = await next(serverChild, 'ready');
    sidecar = spawnPlugin(bundle, { PATH: process.env.PATH, TRIBUTARY_STATE_DIR: dir }, ['--listen', `unix:${socket}`], nodeRuntime.sidecarNodeFlags);
    await sidecar.waitForMessage('plugin serving');
    const pid = sidecar.child.pid!;
    clients = connect({ network: 'unix', address: socket });
    let seq = 0;
    const emit = async (kind: Kind, rate: number) => {
      const firstSeq = seq;
      seq += 10_000_000;
      serverChild.send({ type: 'emit', kind, rate, ms: PHASE_MS, firstSeq } satisfies ToServer);
      return (await next(serverChild, 'emitted')).count;
    };

    // Memory per connection first, on the fresh sidecar (later phases leave garbage that blurs RSS):
    // CONNECTIONS distinct idle streams per kind, each its own upstream.
    console.log(`memory per connection (${CONNECTIONS} distinct idle streams each; sidecar RSS growth / ${CONNECTIONS})`);
    for (const kind of KINDS) {
      await sleep(500);
      const before = procStatusBytes(pid, 'VmRSS');
      const ctx = settingsFor(kind, port);
      for (let i = 0; i < CONNECTIONS; i++) {
        await queryData(clients, ctx, { path: `${PATHS[kind]}?c=${i}`, withStreaming: false, ...(kind === 'http-poll' ? { pollIntervalMs: 1000 } : {}) });
      }
      await sleep(1_500);
      const after = procStatusBytes(pid, 'VmRSS');
      line(`${kind}: KiB per connection`, fmt((after - before) / CONNECTIONS / 1024, 0), `RSS ${fmt(before / MiB, 1)} → ${fmt(after / MiB, 1)} MiB`);
    }

    for (const kind of KINDS) {
      const rates = kind === 'http-poll' ? [POLL_RATE] : RATES;
      const bare: Tally[] = [];
      for (const rate of rates) {
        const tally = new Tally();
        const stop = await bareClient(kind, port, tally);
        await sleep(200);
        const emitted = await emit(kind, rate);
        await drain(tally, emitted);
        stop();
        bare.push(tally);
      }
      const tally = new Tally();
      const stop = await readStream(clients, kind, port, tally);
      await sleep(500);
      const phases: Phase[] = [];
      for (const [i, rate] of rates.entries()) {
        tally.reset();
        let peak = 0;
        const rssTimer = setInterval(() => (peak = Math.max(peak, procStatusBytes(pid, 'VmRSS'))), 100);
        const emitted = await emit(kind, rate);
        await drain(tally, emitted);
        clearInterval(rssTimer);
        phases.push({ rate, emitted, plugin: figures(tally), bare: figures(bare[i]), peakRssMiB: peak / MiB });
      }
      stop();
      printKind(kind, phases);
    }

    line('sidecar peak RSS over the run (VmHWM, MiB)', fmt(procStatusBytes(pid, 'VmHWM') / MiB, 1), 'whole run');
    const problems = sidecar.stderrLines.filter((l) => /warn|error/i.test(String(l.json?.['@level'] ?? '')));
    if (problems.length > 0) {
      console.log(`\nsidecar warnings/errors (${problems.length}), the last 3:`);
      for (const l of problems.slice(-3)) console.log(`  ${l.raw.slice(0, 300)}`);
    }
  } finally {
    clients?.close();
    if (serverChild.exitCode === null && serverChild.connected) serverChild.send({ type: 'stop' } satisfies ToServer);
    if (sidecar) {
      const exited = sidecar.exited;
      sidecar.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function printKind(kind: Kind, phases: Phase[]): void {
  const target = kind === 'http-poll' ? LATENCY_TARGET_MS + POLL_INTERVAL_MS : LATENCY_TARGET_MS;
  for (const p of phases) {
    console.log(`\n${kind}: ${p.rate} msgs/s for ${PHASE_MS / 1000} s${kind === 'http-poll' ? ` (polled every ${POLL_INTERVAL_MS} ms)` : ''}`);
    line('emitted by the server', `${p.emitted}`, '');
    line('received by the RunStream reader', `${p.plugin.received}`, `bare client ${p.bare.received} (${ratio(p.plugin.received, p.bare.received)})`);
    line('lost', `${p.emitted - p.plugin.received}`, `bare client lost ${p.emitted - p.bare.received}; target 0: ${verdict(p.emitted === p.plugin.received)}`);
    line('messages/s ingested and delivered', fmt((p.plugin.received * 1000) / PHASE_MS, 0), `bare client ${fmt((p.bare.received * 1000) / PHASE_MS, 0)}`);
    line('duplicates or out of order', `${p.plugin.duplicates}`, `bare client ${p.bare.duplicates}; target 0: ${verdict(p.plugin.duplicates === 0)}`);
    line('latency p50 (ms)', fmt(p.plugin.p50, 1), `bare client ${fmt(p.bare.p50, 1)}`);
    line('latency p99 (ms)', fmt(p.plugin.p99, 1), `bare client ${fmt(p.bare.p99, 1)}; target ${atMost(p.plugin.p99, target, 'ms')}`);
    line('sidecar peak RSS (MiB)', fmt(p.peakRssMiB, 1), '');
  }
}

const role = process.argv[2];
(role === 'server' ? server() : coordinator()).catch((error) => {
  console.error(error);
  process.exit(1);
});
