/**
 * HttpPollSource and probeHttpPoll against a real node:http JSON endpoint on loopback: conditional
 * requests (ETag → 304, Last-Modified), rows already seen not repeated, the rows path, the interval
 * floor, the response size limit, redirects held to the configured host, secrets never in errors or logs.
 */
import { DEFAULT_HTTP_POLL_SETTINGS, type HttpPollSettings } from '../../../../src/shared/webSources';
import { ALL_TIME, TestServer, capturingLogger, testBuffer, waitFor, type Handler } from '../common/testServers';
import { Registry } from 'prom-client';
import { sourceMetrics, sourceMetricsFor } from '../metrics';
import { HttpPollSource, probeHttpPoll, type HttpPollSourceOptions } from './index';

const SECRET = 'poll-sekret-0c44';

function settings(url: string, overrides: Partial<HttpPollSettings> = {}): HttpPollSettings {
  return { ...DEFAULT_HTTP_POLL_SETTINGS, url, minIntervalMs: 50, intervalMs: 100, reconnectMinMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 2_000, ...overrides };
}

const sources: HttpPollSource[] = [];
const servers: TestServer[] = [];
function source(options: Partial<HttpPollSourceOptions> & { settings: HttpPollSettings }): HttpPollSource {
  const created = new HttpPollSource({ secure: {}, buffer: testBuffer(), ...options });
  sources.push(created);
  return created;
}
async function server(handler: Handler): Promise<TestServer> {
  const created = await new TestServer(handler).start();
  servers.push(created);
  return created;
}
const payloads = (s: { history: (r: typeof ALL_TIME) => { payload: Buffer }[] }) => s.history(ALL_TIME).map((m) => m.payload.toString());

afterEach(async () => {
  for (const s of sources.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('HttpPollSource', () => {
  it('sends If-None-Match with the ETag; a 304 adds nothing; a changed answer adds only its new rows', async () => {
    let version = 1;
    const rows = [{ ts: 1, v: 10 }];
    let answered304 = 0;
    const srv = await server((request, response) => {
      const etag = `"v${version}"`;
      if (request.headers['if-none-match'] === etag) {
        answered304++;
        response.writeHead(304, { etag }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', etag }).end(JSON.stringify({ data: { items: rows } }));
    });
    const src = source({ settings: settings(`${srv.origin}/api/readings`, { rowsPath: 'data.items' }) });
    const sub = src.subscribe();
    await waitFor('two 304s', () => answered304 >= 2);
    expect(payloads(sub)).toEqual(['{"ts":1,"v":10}']);
    expect(srv.requests[0].headers['if-none-match']).toBeUndefined();
    expect(srv.requests[1].headers['if-none-match']).toBe('"v1"');
    expect(sub.state()).toMatchObject({ state: 'connected' });

    // A sliding window: the old row comes again with a new one, in another key order.
    rows.splice(0, 1, { v: 10, ts: 1 } as never, { ts: 2, v: 11 });
    version = 2;
    await waitFor('the new row', () => sub.history(ALL_TIME).length === 2);
    await waitFor('a 304 for v2', () => srv.requests.some((r) => r.headers['if-none-match'] === '"v2"'));
    expect(payloads(sub)).toEqual(['{"ts":1,"v":10}', '{"ts":2,"v":11}']);
    expect(sub.history(ALL_TIME).every((m) => m.topic === '/api/readings')).toBe(true);
  });

  it('sends If-Modified-Since with the Last-Modified date', async () => {
    const modified = 'Wed, 02 Dec 2026 01:00:00 GMT';
    const srv = await server((request, response) => {
      if (request.headers['if-modified-since'] === modified) response.writeHead(304).end();
      else response.writeHead(200, { 'content-type': 'application/json', 'last-modified': modified }).end('{"temp":21}');
    });
    const sub = source({ settings: settings(`${srv.origin}/`) }).subscribe();
    await waitFor('a conditional request', () => srv.requests.length >= 3);
    expect(srv.requests.slice(1).every((r) => r.headers['if-modified-since'] === modified)).toBe(true);
    expect(payloads(sub)).toEqual(['{"temp":21}']);
  });

  it('keeps a single object as one row, repeats nothing seen, and keeps everything with dedupe off', async () => {
    const srv = await server((request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","load":0.5}'));
    const deduped = source({ settings: settings(`${srv.origin}/`) }).subscribe();
    const all = source({ settings: settings(`${srv.origin}/`, { dedupeRows: false }) }).subscribe();
    await waitFor('several polls', () => all.history(ALL_TIME).length >= 3);
    expect(payloads(deduped)).toEqual(['{"status":"ok","load":0.5}']);
  });

  it('raises the interval to minIntervalMs and shares one poller per request', async () => {
    const srv = await server((request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    const src = source({ settings: settings(`${srv.origin}/`, { minIntervalMs: 400 }) });
    src.subscribe({ intervalMs: 1 });
    src.subscribe({ intervalMs: 5 });
    expect(src.states()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // At 400 ms: the first poll at once, then one or two more; at 1 ms it would be hundreds.
    expect(srv.requests.length).toBeGreaterThanOrEqual(2);
    expect(srv.requests.length).toBeLessThanOrEqual(4);
  });

  it('fails with the reason: nothing at the rows path, not JSON, too large, HTTP error; and recovers', async () => {
    let body = '{"other":[]}';
    let status = 200;
    const srv = await server((request, response) => response.writeHead(status, { 'content-type': 'application/json' }).end(body));
    const sub = source({ settings: settings(`${srv.origin}/`, { rowsPath: 'data.items', maxResponseBytes: 1_000 }) }).subscribe();
    const errorIs = (text: string) => waitFor(text, () => (sub.state() as { error?: string }).error === text);
    await errorIs('the response has nothing at the rows path "data.items"');
    body = 'not json';
    await waitFor('not JSON', () => (sub.state() as { error?: string }).error?.startsWith('the response is not JSON ('));
    body = JSON.stringify({ data: { items: ['x'.repeat(2_000)] } });
    await errorIs('the response is larger than 1000 bytes (maxResponseBytes); not read');
    status = 500;
    body = 'boom';
    await errorIs('the server answered HTTP 500 Internal Server Error: boom');
    status = 200;
    body = JSON.stringify({ data: { items: [{ a: 1 }] } });
    await waitFor('recovered', () => sub.history(ALL_TIME).length === 1);
    expect(sub.state()).toMatchObject({ state: 'connected' });
  });

  it('gives up on an answer that trickles in longer than max(connectTimeoutMs, interval)', async () => {
    const srv = await server((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[{"a":');
    });
    const sub = source({ settings: settings(`${srv.origin}/`, { connectTimeoutMs: 300 }) }).subscribe({ intervalMs: 100 });
    await waitFor('timed out', () => sub.state().state === 'failing');
    expect(sub.state()).toMatchObject({ error: 'the response took longer than 300 ms to arrive; not read' });
  });

  it('counts received rows and reports the state in the source metrics', async () => {
    const srv = await server((request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('[{"a":1},{"a":2}]'));
    const registry = new Registry();
    const metrics = sourceMetricsFor(sourceMetrics(registry), 'uid-1', 'http-poll');
    const sub = source({ settings: settings(`${srv.origin}/`), metrics }).subscribe();
    await waitFor('rows', () => sub.history(ALL_TIME).length === 2);
    await waitFor('connected', () => sub.state().state === 'connected');
    const text = await registry.metrics();
    expect(text).toContain('tributary_source_messages_received_total{datasource_uid="uid-1",source="http-poll"} 2');
    expect(text).toContain('tributary_source_connection_state{datasource_uid="uid-1",source="http-poll",state="connected"} 1');
    expect(text).toContain('tributary_source_subscriptions{datasource_uid="uid-1",source="http-poll"} 1');
  });

  it('refuses a redirect to another host (no request reaches it), follows one on the same host, sends method and body', async () => {
    const elsewhere = await server((request, response) => response.writeHead(200).end('[1]'));
    const srv = await server((request, response) => {
      if (request.url === '/away') response.writeHead(302, { location: `http://localhost:${elsewhere.port}/` }).end();
      else if (request.url === '/moved') response.writeHead(307, { location: '/query' }).end();
      else {
        let text = '';
        request.on('data', (chunk) => (text += chunk));
        request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ method: request.method, body: text }])));
      }
    });
    const src = source({ settings: settings(`${srv.origin}/`) });
    const away = src.subscribe({ path: '/away' });
    const moved = src.subscribe({ path: '/moved', method: 'POST', body: '{"q":"temps"}' });
    await waitFor('refused', () => away.state().state === 'failing');
    expect(away.state()).toMatchObject({ error: `the server redirected to another host (localhost:${elsewhere.port}); refused (allowCrossHostRedirects is off)` });
    await waitFor('followed', () => moved.history(ALL_TIME).length === 1);
    expect(payloads(moved)).toEqual(['{"method":"POST","body":"{\\"q\\":\\"temps\\"}"}']);
    expect(srv.requests.find((r) => r.url === '/query')?.headers['content-type']).toBe('application/json');
    expect(elsewhere.requests).toEqual([]);
  });

  it('never shows a secret header or query parameter in errors or logs, even when the server echoes them', async () => {
    const srv = await server((request, response) => response.writeHead(401).end(`bad key ${String(request.headers['x-key'])} for ${request.url}`));
    const { logger, lines } = capturingLogger();
    const src = source({
      settings: settings(`${srv.origin}/data`, { headers: [{ name: 'X-Key', secret: true }], queryParams: [{ name: 'key', secret: true }, { name: 'units', value: 'si' }] }),
      secure: { 'header:x-key': SECRET, 'query:key': `${SECRET}-q` },
      logger,
    });
    const sub = src.subscribe();
    await waitFor('refused', () => sub.state().state === 'failing');
    expect(srv.requests[0].url).toBe(`/data?key=${SECRET}-q&units=si`);
    expect(sub.state()).toMatchObject({ error: 'the server answered HTTP 401 Unauthorized: bad key [secret] for /data?key=[secret]&units=si' });
    expect(lines.length).toBeGreaterThan(0);
    expect([...lines, JSON.stringify(src.states())].join('\n')).not.toContain('sekret');
  });
});

describe('probeHttpPoll', () => {
  it('shows the first row, says when there are none, and gives the exact error', async () => {
    const srv = await server((request, response) => {
      if (request.url === '/empty') response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[{"t":"2026-12-02T01:00:00Z","v":3}]}');
    });
    const base = settings(`${srv.origin}/`, { rowsPath: 'items' });
    const ok = await probeHttpPoll({ settings: base, secure: {} });
    expect(ok).toMatchObject({ ok: true, sample: { topic: '/', payload: '{"t":"2026-12-02T01:00:00Z","v":3}' } });
    const empty = await probeHttpPoll({ settings: base, secure: {}, spec: { path: '/empty' } });
    expect(empty).toEqual({ ok: true, message: `Connected to http://127.0.0.1:${srv.port}/empty; the answer held no rows` });
    const port = srv.port;
    await srv.stop();
    const down = await probeHttpPoll({ settings: base, secure: {} });
    expect(down).toEqual({ ok: false, message: `Could not connect to http://127.0.0.1:${port}/: connection refused by 127.0.0.1:${port} (is the server running and listening on that port?)` });
  });
});
