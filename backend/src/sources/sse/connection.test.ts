/**
 * SseSource and probeSse against a real node:http server sending text/event-stream on loopback:
 * Last-Event-ID replay after a drop, the event filter, retry:, refusals and wrong answers in user
 * words, oversize events, redirects held to the configured host, secrets never in errors or logs.
 */
import type { ServerResponse } from 'node:http';
import { DEFAULT_SSE_SETTINGS, type SseSettings } from '../../../../src/shared/webSources';
import { ALL_TIME, TestServer, capturingLogger, testBuffer, waitFor, type Handler } from '../common/testServers';
import { SseSource, probeSse, type SseSourceOptions } from './index';

const SECRET = 'Bearer sse-sekret-52d1';

function settings(url: string, overrides: Partial<SseSettings> = {}): SseSettings {
  return { ...DEFAULT_SSE_SETTINGS, url, reconnectMinMs: 50, reconnectMaxMs: 1_000, connectTimeoutMs: 2_000, ...overrides };
}

const sources: SseSource[] = [];
const servers: TestServer[] = [];
function source(options: Partial<SseSourceOptions> & { settings: SseSettings }): SseSource {
  const created = new SseSource({ secure: {}, buffer: testBuffer(), ...options });
  sources.push(created);
  return created;
}
async function server(handler: Handler): Promise<TestServer> {
  const created = await new TestServer(handler).start();
  servers.push(created);
  return created;
}
function eventStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.flushHeaders();
}
const texts = (s: { history: (r: typeof ALL_TIME) => { topic: string; payload: Buffer }[] }) => s.history(ALL_TIME).map((m) => `${m.topic}=${m.payload.toString()}`);

afterEach(async () => {
  for (const s of sources.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('SseSource', () => {
  it('reconnects after a drop with Last-Event-ID, and the server replays what was missed (no gap, no duplicate)', async () => {
    // The server's log of events; a connection gets those after its Last-Event-ID, then is dropped after 3 (the first time).
    const log = Array.from({ length: 6 }, (_, i) => ({ id: String(i + 1), data: `{"n":${i + 1}}` }));
    let connections = 0;
    const srv = await server((request, response) => {
      connections++;
      eventStream(response);
      const after = Number(request.headers['last-event-id'] ?? 0);
      const batch = connections === 1 ? log.slice(0, 3) : log.slice(after);
      for (const e of batch) response.write(`id: ${e.id}\ndata: ${e.data}\n\n`);
      if (connections === 1) setTimeout(() => response.destroy(), 50);
    });
    const src = source({ settings: settings(`${srv.origin}/events`) });
    const sub = src.subscribe();
    await waitFor('six events', () => sub.history(ALL_TIME).length === 6, 5_000);
    expect(texts(sub)).toEqual(log.map((e) => `message=${e.data}`));
    expect(srv.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, '3']);
    expect(srv.requests[0].headers.accept).toBe('text/event-stream');
    expect(sub.state()).toMatchObject({ state: 'connected' });
  });

  it('keeps only the events of the filter, under their event name as topic; one stream per path + filter', async () => {
    const srv = await server((request, response) => {
      eventStream(response);
      response.write('event: temp\ndata: 21\n\nevent: hum\ndata: 40\n\ndata: plain\n\nevent: temp\ndata: 22\n\n');
    });
    const src = source({ settings: settings(`${srv.origin}/`) });
    const temps = src.subscribe({ events: ['temp'] });
    const both = src.subscribe({ events: ['temp', 'message'] });
    const all = src.subscribe({ events: [] });
    await waitFor('events', () => temps.history(ALL_TIME).length === 2 && both.history(ALL_TIME).length === 3 && all.history(ALL_TIME).length === 4);
    expect(texts(temps)).toEqual(['temp=21', 'temp=22']);
    expect(texts(both)).toEqual(['temp=21', 'message=plain', 'temp=22']);
    expect(srv.requests).toHaveLength(3);
    src.subscribe({ events: ['message', 'temp'] }); // the same filter in another order: shared
    expect(src.states()).toHaveLength(3);
  });

  it('waits at least the retry: the server asks for (within the cap) after it ends the stream', async () => {
    const srv = await server((request, response) => {
      eventStream(response);
      response.end('retry: 700\ndata: bye\n\n');
    });
    const src = source({ settings: settings(`${srv.origin}/`, { reconnectMaxMs: 1_000 }) });
    const sub = src.subscribe();
    await waitFor('failing after the end', () => sub.state().state === 'failing');
    expect(sub.state()).toMatchObject({ error: 'the server ended the event stream', retryInMs: 700 });
    const capped = source({ settings: settings(`${srv.origin}/`, { reconnectMaxMs: 300 }) });
    const other = capped.subscribe();
    await waitFor('failing after the end', () => other.state().state === 'failing');
    expect(other.state()).toMatchObject({ retryInMs: 300 });
  });

  it('names a refused connection, an HTTP error and a wrong content type, and recovers when the server does', async () => {
    let mode: 'error' | 'html' | 'ok' = 'error';
    const srv = await server((request, response) => {
      if (mode === 'error') response.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      else if (mode === 'html') response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      else {
        eventStream(response);
        response.write('data: fine\n\n');
      }
    });
    const src = source({ settings: settings(`${srv.origin}/s`) });
    const sub = src.subscribe();
    await waitFor('503', () => sub.state().state === 'failing');
    expect(sub.state()).toMatchObject({ error: 'the server answered HTTP 503 Service Unavailable: maintenance' });
    mode = 'html';
    await waitFor('html', () => (sub.state() as { error?: string }).error?.includes('text/html'));
    expect(sub.state()).toMatchObject({ error: 'the server answered with Content-Type "text/html", not text/event-stream' });
    mode = 'ok';
    await waitFor('recovered', () => sub.history(ALL_TIME).length === 1, 5_000);

    const port = srv.port;
    await srv.stop();
    const down = source({ settings: settings(`http://127.0.0.1:${port}/`) }).subscribe();
    await waitFor('refused', () => down.state().state === 'failing');
    expect(down.state()).toMatchObject({ error: `connection refused by 127.0.0.1:${port} (is the server running and listening on that port?)` });
  });

  it('reopens a stream that stays silent longer than idleTimeoutSeconds, and says why', async () => {
    const srv = await server((request, response) => {
      eventStream(response);
      response.write('id: 1\ndata: then silence\n\n');
    });
    const src = source({ settings: settings(`${srv.origin}/`, { idleTimeoutSeconds: 0.3 }) });
    const sub = src.subscribe();
    await waitFor('failing after the silence', () => sub.state().state === 'failing');
    expect(sub.state()).toMatchObject({ error: `nothing received from 127.0.0.1:${srv.port} for 0.3 s (idleTimeoutSeconds); reopening the stream` });
    await waitFor('reopened with Last-Event-ID', () => srv.requests.length === 2);
    expect(srv.requests[1].headers['last-event-id']).toBe('1');
  });

  it('drops an event over maxEventBytes, says so, and keeps the connection', async () => {
    const srv = await server((request, response) => {
      eventStream(response);
      response.write(`data: ${'x'.repeat(5_000)}\n\ndata: next\n\n`);
    });
    const src = source({ settings: settings(`${srv.origin}/`, { maxEventBytes: 1_000 }) });
    const sub = src.subscribe();
    await waitFor('the next event', () => sub.history(ALL_TIME).length === 1);
    expect(texts(sub)).toEqual(['message=next']);
    expect(sub.problem()).toBe('1 event(s) longer than 1000 characters were dropped (maxEventBytes)');
    expect(srv.requests).toHaveLength(1);
  });

  it('refuses a redirect to another host (no request reaches it), follows one on the same host', async () => {
    const elsewhere = await server((request, response) => {
      eventStream(response);
      response.write('data: elsewhere\n\n');
    });
    const srv = await server((request, response) => {
      if (request.url === '/away') response.writeHead(307, { location: `http://localhost:${elsewhere.port}/` }).end();
      else if (request.url === '/moved') response.writeHead(308, { location: '/new' }).end();
      else {
        eventStream(response);
        response.write(`data: here ${request.url}\n\n`);
      }
    });
    const src = source({ settings: settings(`${srv.origin}/`) });
    const away = src.subscribe({ path: '/away' });
    const moved = src.subscribe({ path: '/moved' });
    await waitFor('refused', () => away.state().state === 'failing');
    expect(away.state()).toMatchObject({ error: `the server redirected to another host (localhost:${elsewhere.port}); refused (allowCrossHostRedirects is off)` });
    await waitFor('followed', () => moved.history(ALL_TIME).length === 1);
    expect(texts(moved)).toEqual(['message=here /new']);
    expect(elsewhere.requests).toEqual([]);
  });

  it('never shows a secret header in errors or logs, even when the server echoes it', async () => {
    const srv = await server((request, response) => {
      response.writeHead(403, { 'content-type': 'text/plain' }).end(`forbidden: ${String(request.headers['x-api-key'])}`);
    });
    const { logger, lines } = capturingLogger();
    const src = source({ settings: settings(`${srv.origin}/`, { headers: [{ name: 'X-Api-Key', secret: true }] }), secure: { 'header:x-api-key': SECRET }, logger });
    const sub = src.subscribe();
    await waitFor('refused', () => sub.state().state === 'failing');
    expect(srv.requests[0].headers['x-api-key']).toBe(SECRET);
    expect(sub.state()).toMatchObject({ error: 'the server answered HTTP 403 Forbidden: forbidden: [secret]' });
    expect(lines.length).toBeGreaterThan(0);
    expect([...lines, JSON.stringify(src.states())].join('\n')).not.toContain('sse-sekret');
  });
});

describe('probeSse', () => {
  it('shows the first event of the filter, or the exact error', async () => {
    const srv = await server((request, response) => {
      eventStream(response);
      response.write('event: noise\ndata: 1\n\nevent: reading\ndata: {"t":20.5}\n\n');
    });
    const ok = await probeSse({ settings: settings(`${srv.origin}/ev`, { events: ['reading'] }), secure: {}, waitMs: 3_000 });
    expect(ok).toMatchObject({ ok: true, sample: { topic: 'reading', payload: '{"t":20.5}' } });
    const bad = await probeSse({ settings: settings(`${srv.origin}/ev`), secure: {}, spec: { path: 'https://example.com/' }, waitMs: 1_000 });
    expect(bad).toEqual({ ok: false, message: `Invalid query: the path "https://example.com/" leaves 127.0.0.1:${srv.port}: a query may only choose a path on the configured host` });
  });
});
