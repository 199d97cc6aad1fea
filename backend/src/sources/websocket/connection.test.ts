/**
 * WebSocketSource and probeWebSocket against real `ws` servers on loopback: the connect message on
 * every (re)connect, server drops, restarts and refusals, shared connections and the idle grace, the
 * message size limit, redirects held to the configured host, and secrets never in errors or logs.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { DEFAULT_WEBSOCKET_SETTINGS, secretKey, type WebSocketSettings } from '../../../../src/shared/webSources';
import { ALL_TIME, TestServer, capturingLogger, testBuffer, waitFor, type TestServerOptions } from '../common/testServers';
import { makeTlsTestMaterial } from '../../../../tests/support/certificates';
import { WebSocketSource, probeWebSocket, type WebSocketSourceOptions } from './index';

const SECRET = 'Bearer sekret-7f3a9c';
const SECRET_PARAM = 'tok-91b2e8';

function settings(url: string, overrides: Partial<WebSocketSettings> = {}): WebSocketSettings {
  return { ...DEFAULT_WEBSOCKET_SETTINGS, url, reconnectMinMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 2_000, ...overrides };
}

const sources: WebSocketSource[] = [];
const servers: TestServer[] = [];
function source(options: Partial<WebSocketSourceOptions> & { settings: WebSocketSettings }): WebSocketSource {
  const created = new WebSocketSource({ secure: {}, buffer: testBuffer(), ...options });
  sources.push(created);
  return created;
}
async function server(websocket: (socket: WebSocket, request: IncomingMessage) => void, upgrade?: TestServerOptions['upgrade'], tls?: TestServerOptions['tls']): Promise<TestServer> {
  const created = await new TestServer((_, response) => response.writeHead(404).end(), { websocket, upgrade, tls }).start();
  servers.push(created);
  return created;
}
const texts = (s: { history: (r: typeof ALL_TIME) => { topic: string; payload: Buffer }[] }) => s.history(ALL_TIME).map((m) => `${m.topic}=${m.payload.toString()}`);

afterEach(async () => {
  for (const s of sources.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('WebSocketSource', () => {
  it('sends the connect message after every (re)connect: server drop and server restart', async () => {
    const received: string[] = [];
    const srv = await server((socket) => {
      socket.on('message', (data) => {
        received.push(data.toString());
        socket.send(JSON.stringify({ echo: data.toString(), n: received.length }));
      });
    });
    const src = source({ settings: settings(`${srv.wsOrigin}/feed`) });
    const sub = src.subscribe({ connectMessage: '{"subscribe":"temps"}' });
    await waitFor('first echo', () => sub.history(ALL_TIME).length === 1);
    expect(texts(sub)).toEqual(['/feed={"echo":"{\\"subscribe\\":\\"temps\\"}","n":1}']);
    expect(sub.state()).toMatchObject({ state: 'connected' });

    // The server drops the connection: the source reconnects and subscribes again.
    srv.sockets[0].socket.terminate();
    await waitFor('second connect message', () => received.length === 2);
    await waitFor('second echo', () => sub.history(ALL_TIME).length === 2);

    // The server goes away for a while, then comes back on the same port.
    await srv.stop();
    await waitFor('refusal named', () => {
      const state = sub.state();
      const error = state.state === 'failing' ? state.error : state.state === 'connecting' ? state.lastError : undefined;
      return error?.includes(`connection refused by 127.0.0.1:${srv.port}`);
    });
    await srv.start();
    await waitFor('third connect message', () => received.length === 3, 5_000);
    await waitFor('third echo', () => sub.history(ALL_TIME).length === 3);
    expect(received).toEqual(['{"subscribe":"temps"}', '{"subscribe":"temps"}', '{"subscribe":"temps"}']);
    expect(sub.state()).toMatchObject({ state: 'connected' });
  });

  it('shares one connection per URL + connect message, and closes it after the idle grace', async () => {
    const srv = await server((socket) => socket.send('hello'));
    const src = source({ settings: settings(`${srv.wsOrigin}/a`), buffer: testBuffer({ idleGraceSeconds: 0.3 }) });
    const first = src.subscribe({ connectMessage: 'sub-x' });
    const second = src.subscribe({ connectMessage: 'sub-x' });
    const other = src.subscribe({ connectMessage: 'sub-y' });
    const otherPath = src.subscribe({ path: '/b', connectMessage: 'sub-x' });
    await waitFor('messages', () => first.history(ALL_TIME).length === 1 && other.history(ALL_TIME).length === 1 && otherPath.history(ALL_TIME).length === 1);
    expect(srv.sockets.map((s) => s.request.url).sort()).toEqual(['/a', '/a', '/b']);
    expect(texts(second)).toEqual(['/a=hello']);
    expect(texts(otherPath)).toEqual(['/b=hello']);
    expect(src.states()).toHaveLength(3);
    // Keys are shown in health listings: a connect message (it may hold a token) only as a digest.
    expect(src.states().map((s) => s.key).join(' ')).not.toContain('sub-');

    first.release();
    second.release();
    await waitFor('the shared connection closed after the grace', () => srv.sockets.filter((s) => s.socket.readyState === s.socket.CLOSED).length === 1);
    expect(srv.sockets.filter((s) => s.socket.readyState === s.socket.CLOSED).map((s) => s.request.url)).toEqual(['/a']);
    expect(src.states()).toHaveLength(2);
  });

  it('paths that differ only in their query string are different connections, each with its own data', async () => {
    const srv = await server((socket, request) => socket.send(`room ${new URL(request.url ?? '', 'http://x').searchParams.get('room')}`));
    const src = source({ settings: settings(`${srv.wsOrigin}/`) });
    const one = src.subscribe({ path: '/feed?room=1' });
    const two = src.subscribe({ path: '/feed?room=2' });
    await waitFor('both rooms', () => one.history(ALL_TIME).length === 1 && two.history(ALL_TIME).length === 1);
    expect(srv.sockets.map((s) => s.request.url).sort()).toEqual(['/feed?room=1', '/feed?room=2']);
    expect(texts(one)).toEqual(['/feed=room 1']);
    expect(texts(two)).toEqual(['/feed=room 2']);
    // The key shows the query string only as a digest (it may hold secret parameters).
    expect(src.states().map((s) => s.key).join(' ')).not.toContain('room=');
    one.release();
    two.release();
  });

  it('retries a server that refuses, then connects when it listens', async () => {
    const probe = await server(() => {});
    const port = probe.port;
    await probe.stop();
    const src = source({ settings: settings(`ws://127.0.0.1:${port}/`) });
    const sub = src.subscribe();
    await waitFor('failing', () => sub.state().state === 'failing');
    expect(sub.state()).toMatchObject({ error: `connection refused by 127.0.0.1:${port} (is the server running and listening on that port?)` });
    const retryInMs = (sub.state() as { retryInMs: number }).retryInMs;
    expect(retryInMs).toBeGreaterThanOrEqual(25);
    expect(retryInMs).toBeLessThanOrEqual(200);
    const srv = new TestServer(() => {}, { websocket: (socket) => socket.send('up') });
    srv.port = port;
    servers.push(await srv.start());
    await waitFor('connected', () => sub.history(ALL_TIME).length === 1, 5_000);
  });

  it('closes on a message over maxMessageBytes with an error saying so, keeps the smaller ones and reconnects', async () => {
    let connections = 0;
    const srv = await server((socket) => {
      connections++;
      socket.send('small');
      if (connections === 1) socket.send('x'.repeat(2_000));
    });
    const { logger, lines } = capturingLogger();
    const src = source({ settings: settings(`${srv.wsOrigin}/`, { maxMessageBytes: 1_000 }), logger });
    const sub = src.subscribe();
    await waitFor('second connection', () => connections === 2 && sub.history(ALL_TIME).length === 2, 5_000);
    expect(texts(sub)).toEqual(['/=small', '/=small']);
    expect(lines.join('\n')).toContain('a message larger than 1000 bytes arrived (maxMessageBytes); the connection was closed (code 1009)');
  });

  it('sends secret headers and query parameters, and never shows them in errors or logs', async () => {
    const srv = await server(
      (socket) => socket.send('ok'),
      (request) =>
        request.headers.authorization === SECRET && request.url === `/?token=${SECRET_PARAM}`
          ? undefined
          : { status: 401, body: `denied for ${String(request.headers.authorization)} at ${request.url}` },
    );
    const { logger, lines } = capturingLogger();
    const good = source({
      settings: settings(`${srv.wsOrigin}/`, { headers: [{ name: 'Authorization', secret: true }], queryParams: [{ name: 'token', secret: true }] }),
      secure: { [secretKey('header', 'Authorization')]: SECRET, [secretKey('query', 'token')]: SECRET_PARAM },
      logger,
    });
    const ok = good.subscribe();
    await waitFor('authorized message', () => ok.history(ALL_TIME).length === 1);

    const wrong = source({
      settings: settings(`${srv.wsOrigin}/`, { headers: [{ name: 'Authorization', secret: true }], queryParams: [{ name: 'token', secret: true }] }),
      secure: { [secretKey('header', 'Authorization')]: `${SECRET}-old`, [secretKey('query', 'token')]: SECRET_PARAM },
      logger,
    });
    const denied = wrong.subscribe();
    await waitFor('refused', () => denied.state().state === 'failing');
    const state = denied.state() as { error: string };
    expect(state.error).toMatch(/^the WebSocket handshake was refused: the server answered HTTP 401 X: denied for \[secret\] at \/\?token=\[secret\]$/);
    const everything = [JSON.stringify(denied.state()), JSON.stringify(wrong.states()), ...lines].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain('sekret');
    expect(everything).not.toContain(SECRET_PARAM);
  });

  it('refuses a redirect to another host (no request reaches it) and follows one on the same host', async () => {
    const elsewhere = await server((socket) => socket.send('elsewhere'));
    const srv = await server(
      (socket, request) => socket.send(`here ${request.url}`),
      (request) =>
        request.url === '/away'
          ? { status: 302, headers: { location: `ws://localhost:${elsewhere.port}/` } }
          : request.url === '/moved'
            ? { status: 301, headers: { location: '/new' } }
            : undefined,
    );
    const src = source({ settings: settings(`${srv.wsOrigin}/`, { headers: [{ name: 'authorization', secret: true }] }), secure: { 'header:authorization': SECRET } });
    const away = src.subscribe({ path: '/away' });
    await waitFor('refused', () => away.state().state === 'failing');
    expect(away.state()).toMatchObject({ error: `the server redirected to another host (localhost:${elsewhere.port}); refused (allowCrossHostRedirects is off)` });
    const moved = src.subscribe({ path: '/moved' });
    await waitFor('followed', () => moved.history(ALL_TIME).length === 1);
    expect(texts(moved)).toEqual(['/moved=here /new']);
    expect(elsewhere.requests).toEqual([]);

    // Allowed by the settings: followed, but the secret header stays with the configured host.
    const allowing = source({ settings: settings(`${srv.wsOrigin}/`, { allowCrossHostRedirects: true, headers: [{ name: 'authorization', secret: true }] }), secure: { 'header:authorization': SECRET } });
    const followed = allowing.subscribe({ path: '/away' });
    await waitFor('followed to the other host', () => followed.history(ALL_TIME).length === 1);
    expect(elsewhere.requests).toHaveLength(1);
    expect(elsewhere.requests[0].headers.authorization).toBeUndefined();
  });

  it('refuses a query path that leaves the configured host, and a URL of another scheme', async () => {
    const src = source({ settings: settings('ws://127.0.0.1:9/base/') });
    expect(() => src.subscribe({ path: '//example.com/x' })).toThrow('leaves 127.0.0.1:9: a query may only choose a path on the configured host');
    expect(() => src.subscribe({ path: 'http://127.0.0.1:9/x' })).toThrow('leaves');
    expect(() => source({ settings: settings('http://127.0.0.1:9/') })).toThrow('the URL must start with ws:// or wss://');
  });
});

describe('WebSocketSource over TLS (wss://)', () => {
  const tls = makeTlsTestMaterial();

  it('trusts the server through the CA setting, names an untrusted certificate, and connects with skip-verify', async () => {
    const srv = await server((socket) => socket.send('secure hello'), undefined, { cert: tls.serverCert, key: tls.serverKey });
    const trusted = source({ settings: settings(`${srv.wsOrigin}/`), secure: { tlsCACert: tls.ca } }).subscribe();
    await waitFor('message over wss', () => trusted.history(ALL_TIME).length === 1);
    expect(texts(trusted)).toEqual(['/=secure hello']);

    const untrusted = source({ settings: settings(`${srv.wsOrigin}/`), secure: { tlsCACert: tls.otherCa } }).subscribe();
    await waitFor('refused', () => untrusted.state().state === 'failing');
    expect(untrusted.state()).toMatchObject({ error: expect.stringMatching(/^TLS: the server's certificate is not trusted \([A-Z_]+\): set the CA certificate that signed it$/) });

    const skipping = source({ settings: settings(`${srv.wsOrigin}/`, { tlsSkipVerify: true }) }).subscribe();
    await waitFor('message with skip-verify', () => skipping.history(ALL_TIME).length === 1);
  });

  it('presents the client certificate to a server that requires one (mutual TLS)', async () => {
    const srv = await server((socket) => socket.send('mutual'), undefined, { cert: tls.serverCert, key: tls.serverKey, ca: tls.ca, requestCert: true, rejectUnauthorized: true });
    const withCert = source({ settings: settings(`${srv.wsOrigin}/`), secure: { tlsCACert: tls.ca, tlsClientCert: tls.clientCert, tlsClientKey: tls.clientKey } }).subscribe();
    await waitFor('message with a client certificate', () => withCert.history(ALL_TIME).length === 1);
    const without = source({ settings: settings(`${srv.wsOrigin}/`), secure: { tlsCACert: tls.ca } }).subscribe();
    await waitFor('refused', () => without.state().state === 'failing');
    expect((without.state() as { error: string }).error).toMatch(/^(TLS: the server requires a client certificate|the connection to 127\.0\.0\.1:\d+ was reset)/);
  });
});

describe('probeWebSocket', () => {
  it('shows the first message after the connect message', async () => {
    const srv = await server((socket) => socket.on('message', (data) => socket.send(`got ${data.toString()}`)));
    const result = await probeWebSocket({ settings: settings(`${srv.wsOrigin}/live`, { connectMessage: 'sub' }), secure: {}, waitMs: 3_000 });
    expect(result).toMatchObject({ ok: true, sample: { topic: '/live', payload: 'got sub' } });
    expect(result.message).toMatch(new RegExp(`^Connected to ws://127\\.0\\.0\\.1:${srv.port}/live \\(connect message sent\\); received a message on "/live" after \\d+ ms$`));
  });

  it('says connected but silent, and gives the exact error when refused', async () => {
    const srv = await server(() => {});
    const silent = await probeWebSocket({ settings: settings(`${srv.wsOrigin}/`), secure: {}, waitMs: 300 });
    expect(silent).toEqual({ ok: true, message: `Connected to ws://127.0.0.1:${srv.port}/, but no message within 0.3 s` });
    const port = srv.port;
    await srv.stop();
    const refused = await probeWebSocket({ settings: settings(`ws://127.0.0.1:${port}/`), secure: {}, waitMs: 3_000 });
    expect(refused).toEqual({ ok: false, message: `Could not connect to ws://127.0.0.1:${port}/: connection refused by 127.0.0.1:${port} (is the server running and listening on that port?)` });
  });
});
