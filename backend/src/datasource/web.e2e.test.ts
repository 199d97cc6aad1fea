/**
 * WebSocket, Server-Sent Events and HTTP polling datasources end to end: the production entry point
 * bundled and started as a sidecar on a unix socket (as Grafana starts it), driven with pluginv2 calls,
 * against loopback servers these tests run (backend/src/sources/common/testServers.ts). Each kind is one
 * adapter over the glue MQTT uses, so the same checks run for each: Save & test, QueryData from the
 * buffer, a stream that continues it with no gap and no duplicate, a server restart, secrets kept out
 * of logs. Payload mapping cases are shared with MQTT and covered by backend/src/sources/mapping tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { buildTestBundle, pluginContext, spawnPlugin, type PluginProcess } from '../../test/helpers/harness';
import { Panel, historyFrame, notices, runStream } from '../../test/helpers/liveStream';
import { connect, removeTempDirs, tempDir, unary, type Clients } from '../../../tests/support/goplugin';
import { TestServer } from '../sources/common/testServers';

jest.setTimeout(60_000);

const SECRET = 'tok-3f9a1c77e2b4';

let bundle: string;
let plugin: PluginProcess;
let c: Clients;

/** A loopback server of one kind whose values 0, 1, 2, … the test releases one by one. */
interface KindServer {
  kind: 'websocket' | 'sse' | 'http-poll';
  server: TestServer;
  /** jsonData for the datasource (the URL and a secret Authorization header). */
  jsonData(): Record<string, unknown>;
  /** The query fields that pick this server's stream. */
  model: Record<string, unknown>;
  /** Makes value n available (sent to connected clients, or added to the polled rows). */
  emit(n: number): void;
  /** Headers of the requests that opened streams. */
  authorizations(): string[];
  /** What the clients sent after connecting (WebSocket connect messages). */
  received: string[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

function secretHeader() {
  return [{ name: 'Authorization', secret: true }];
}

function websocketServer(): KindServer {
  const received: string[] = [];
  const server = new TestServer(
    (_req, res) => res.writeHead(404).end(),
    {
      websocket: (socket) => {
        socket.on('message', (data) => {
          received.push(data.toString());
          // Like a real feed: the subscribe command is acknowledged at once (Save & test's first message).
          socket.send(JSON.stringify({ subscribed: true }));
        });
      },
    },
  );
  return {
    kind: 'websocket',
    server,
    received,
    jsonData: () => ({ url: `${server.wsOrigin}/`, headers: secretHeader(), connectTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 200 }),
    model: { path: '/feed', connectMessage: '{"subscribe":"room-1"}' },
    emit(n) {
      for (const { socket } of server.sockets) if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ n }));
    },
    authorizations: () => server.requests.filter((r) => r.method === 'UPGRADE').map((r) => String(r.headers.authorization)),
    stop: () => server.stop(),
    start: async () => void (await server.start()),
  };
}

function sseServer(): KindServer {
  const open = new Set<ServerResponse>();
  const history: Array<{ id: number; n: number }> = [];
  const server = new TestServer((req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/events')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    // Replays what the client missed (Last-Event-ID), or the latest event to a new client.
    const last = Number(req.headers['last-event-id'] ?? NaN);
    const replay = Number.isFinite(last) ? history.filter((e) => e.id > last) : history.slice(-1);
    for (const e of replay) res.write(`event: reading\nid: ${e.id}\ndata: ${JSON.stringify({ n: e.n })}\n\n`);
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  return {
    kind: 'sse',
    server,
    received: [],
    jsonData: () => ({ url: `${server.origin}/`, headers: secretHeader(), connectTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 200 }),
    model: { path: '/events', events: ['reading'] },
    emit(n) {
      const e = { id: history.length + 1, n };
      history.push(e);
      for (const res of open) res.write(`event: reading\nid: ${e.id}\ndata: ${JSON.stringify({ n })}\n\n`);
      // An event the filter leaves out.
      for (const res of open) res.write(`event: other\ndata: {"n":-1}\n\n`);
    },
    authorizations: () => server.requests.filter((r) => r.url.startsWith('/events')).map((r) => String(r.headers.authorization)),
    stop: () => server.stop(),
    start: async () => void (await server.start()),
  };
}

function pollServer(): KindServer {
  const rows: Array<{ n: number; ts: number }> = [];
  const server = new TestServer((req, res) => {
    if (!req.url?.startsWith('/data.json')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { items: rows.slice(-50) } }));
  });
  return {
    kind: 'http-poll',
    server,
    received: [],
    jsonData: () => ({ url: `${server.origin}/`, headers: secretHeader(), minIntervalMs: 100, intervalMs: 1_000, connectTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 200 }),
    model: { path: '/data.json', pollIntervalMs: 100, rowsPath: 'data.items' },
    emit(n) {
      rows.push({ n, ts: 1_700_000_000_000 + n });
    },
    authorizations: () => server.requests.filter((r) => r.url.startsWith('/data.json')).map((r) => String(r.headers.authorization)),
    stop: () => server.stop(),
    start: async () => void (await server.start()),
  };
}

const SETTINGS_KEY = { websocket: 'websocket', sse: 'sse', 'http-poll': 'httpPoll' } as const;

describe.each([
  ['websocket', websocketServer],
  ['sse', sseServer],
  ['http-poll', pollServer],
] as const)('%s datasource end to end', (kind, makeServer) => {
  let s: KindServer;
  const uid = `web-e2e-${kind}`;
  const versions = new Map<string, number>();

  function settings(overrides: Record<string, unknown> = {}, secure: Record<string, string> = { 'header:authorization': `Bearer ${SECRET}` }) {
    const jsonData = { sourceKind: kind, maxPacketsPerSecond: 50, [SETTINGS_KEY[kind]]: { ...s.jsonData(), ...overrides } };
    const variant = JSON.stringify([jsonData, secure]);
    if (!versions.has(variant)) versions.set(variant, versions.size + 1);
    return { ...pluginContext({ uid, lastUpdatedMS: versions.get(variant), jsonData, secure }), pluginId: 'tributary-streaming-datasource' };
  }

  async function queryData(model: Record<string, unknown>, ctx = settings()) {
    const now = Date.now();
    // Poll rows carry their own times (ms since 2023): the range covers them and now.
    const from = kind === 'http-poll' ? 1_600_000_000_000 : now - 3_600_000;
    const res = await unary(c.data, 'QueryData', {
      pluginContext: ctx,
      queries: [{ refId: 'A', queryType: '', maxDataPoints: 1000, intervalMS: 100, timeRange: { fromEpochMS: from, toEpochMS: now + 60_000 }, json: Buffer.from(JSON.stringify({ refId: 'A', ...model })) }],
    });
    return res.responses.A as { status: number; error?: string; frames: Buffer[] };
  }

  const mapping = () => (kind === 'http-poll' ? { format: 'json', timeSource: 'payload', timeField: 'ts', timeFormat: 'epoch-ms' } : { format: 'json', timeSource: 'arrival' });
  const model = (streaming: boolean) => ({ ...s.model, withStreaming: streaming, mapping: mapping() });
  // Rows of other messages (the WebSocket acknowledgement) have no `n`.
  const valuesOf = (panel: Panel) => panel.column(/^n\b/).filter((v) => v !== null);
  const rows = (frames: Buffer[]) => valuesOf(new Panel(historyFrame(frames).json));
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function emitAll(ns: number[]) {
    for (const n of ns) {
      s.emit(n);
      await pause(kind === 'http-poll' ? 150 : 10);
    }
  }

  beforeAll(async () => {
    s = makeServer();
    await s.start();
    bundle ??= buildTestBundle('tributary-web-e2e', 'backend/src/main.ts');
    const socket = path.join(tempDir('trib-web-'), 'plugin.sock');
    plugin = spawnPlugin(bundle, { PATH: process.env.PATH, TRIBUTARY_STATE_DIR: tempDir('trib-state-') }, ['--listen', `unix:${socket}`]);
    await plugin.waitForMessage('plugin serving');
    c = connect({ network: 'unix', address: socket });
  });

  afterAll(async () => {
    c?.close();
    const exited = new Promise((resolve) => plugin.child.once('exit', resolve));
    plugin?.kill();
    await exited;
    await s?.stop();
    removeTempDirs();
  });

  test('QueryData answers the buffered rows; the stream continues them with no gap and no duplicate', async () => {
    expect((await queryData(model(false))).status).toBe(200); // subscribes the stream
    await pause(400);
    await emitAll([0, 1, 2, 3, 4]);
    const wanted = [0, 1, 2, 3, 4];
    let answer = await queryData(model(true));
    for (let i = 0; i < 50 && JSON.stringify(rows(answer.frames)) !== JSON.stringify(wanted); i++) {
      await pause(100);
      answer = await queryData(model(true));
    }
    expect(answer.status).toBe(200);
    expect(rows(answer.frames)).toEqual(wanted);
    const history = historyFrame(answer.frames);
    expect(history.channel).toMatch(new RegExp(`^ds/${uid}/m1/`));
    if (kind === 'websocket') {
      // The connect message never appears in a channel name (it may carry credentials).
      expect(history.channel).toMatch(/\/h=[A-Za-z0-9_-]{22}$/);
    }

    // Sent between the answer and RunStream: must come first on the stream.
    await emitAll([5, 6, 7]);
    const streamPath = history.channel!.split('/').slice(2).join('/');
    expect((await unary(c.stream, 'SubscribeStream', { pluginContext: settings(), path: streamPath })).status).toBe('OK');
    const stream = runStream(c, settings(), streamPath, () => plugin.stderrText().slice(-3000));
    await pause(100);
    await emitAll([8, 9, 10, 11]);
    await stream.until(() => valuesOf(Panel.of(history.json, stream.packets)).length >= 12, 'rows 5..11');
    await pause(300);
    await stream.cancel();
    expect(valuesOf(Panel.of(history.json, stream.packets))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if (kind === 'sse') {
      expect(valuesOf(Panel.of(history.json, stream.packets))).not.toContain(-1); // the event filter
    }
  });

  test('a server restart: the stream reconnects, says so, and continues', async () => {
    const answer = await queryData(model(true));
    const history = historyFrame(answer.frames);
    const before = rows(answer.frames).length;
    const stream = runStream(c, settings(), history.channel!.split('/').slice(2).join('/'), () => plugin.stderrText().slice(-3000));
    await pause(200);
    await s.stop();
    await stream.until(() => notices(stream.packets).some((t) => /^Not connected to /.test(t)), 'the not-connected notice');
    await s.start();
    await stream.until(() => notices(stream.packets).some((t) => /^Reconnected to /.test(t)), 'the reconnected notice');
    await pause(200);
    await emitAll([100, 101]);
    await stream.until(() => valuesOf(Panel.of(history.json, stream.packets)).includes(101), 'value 101 after the restart');
    await stream.cancel();
    const seen = valuesOf(Panel.of(history.json, stream.packets));
    expect(seen.length).toBeGreaterThan(before);
    expect(new Set(seen).size).toBe(seen.length); // no duplicate, also across the reconnect (SSE replays by Last-Event-ID)
    if (kind === 'websocket') {
      // The connect message is sent again after every reconnect.
      expect(s.received.filter((m) => m === '{"subscribe":"room-1"}').length).toBeGreaterThanOrEqual(2);
    }
  });

  test('Save & test shows the first message, or the exact error', async () => {
    const ok = await unary(c.diagnostics, 'CheckHealth', { pluginContext: settings() });
    expect(ok.status).toBe('OK');
    expect(ok.message).toMatch(/^Connected to (ws|http):\/\/127\.0\.0\.1:\d+\//);
    const details = JSON.parse(Buffer.from(ok.jsonDetails).toString());
    expect(details.sample.payload).toMatch(kind === 'websocket' ? /"subscribed":true/ : /"n":/);

    await s.stop();
    try {
      const down = await unary(c.diagnostics, 'CheckHealth', { pluginContext: settings() });
      expect(down.status).toBe('ERROR');
      expect(down.message).toMatch(/^Could not connect to .*refused/i);
    } finally {
      await s.start();
    }

    const badSettings = await unary(c.diagnostics, 'CheckHealth', {
      pluginContext: settings({ url: kind === 'websocket' ? 'http://x/' : 'ws://x/', headers: [{ name: 'X-Key', secret: true }] }),
    });
    expect(badSettings.status).toBe('ERROR');
    expect(badSettings.message).toMatch(/url must start with/);
    expect(badSettings.message).toMatch(/X-Key.*is secret but secureJsonData\["header:x-key"\] is not set/);

    const badQuery = await queryData({ ...model(false), path: 'https://elsewhere.example/feed' });
    expect(badQuery.status).toBe(400);
    expect(badQuery.error).toMatch(/invalid query field "path": .*names a host/);
  });

  test('the secret header reaches the server and never the logs', async () => {
    expect(s.authorizations().length).toBeGreaterThan(0);
    expect(s.authorizations().every((a) => a === `Bearer ${SECRET}`)).toBe(true);
    expect(plugin.stderrText()).not.toContain(SECRET);
  });
});
