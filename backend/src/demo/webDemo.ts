/**
 * The web side of the docker compose demo publisher: one HTTP server with
 *   - `/ws`: a WebSocket market ticker; after a connect message `{"op":"subscribe","symbols":[...]}`
 *     it sends one tick per period with the subscribed symbols' quotes (time: epoch ms);
 *   - `/events`: Server-Sent Events, a `metrics` event per period (time: epoch seconds) and a `deploy`
 *     event now and then (ISO-8601), with ids; a reconnect with `Last-Event-ID` gets the missed events;
 *   - `/weather.json`: a weather station's last observations (ISO-8601 times), a new one per period,
 *     with an `ETag` and `Last-Modified`; a matching `If-None-Match` / `If-Modified-Since` gets 304.
 * Every endpoint's data is made once per period and shared by every client, so any number of
 * Grafanas see the same values.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

import { deployEvent, MetricsState, parseSubscribe, TickerState, tickFor, WeatherState, type WeatherReading } from './webPayloads';

export interface WebDemoOptions {
  port: number;
  host?: string;
  intervalMs: number;
  log?: (line: string) => void;
}

export interface RunningWebDemo {
  readonly port: number;
  close(): Promise<void>;
}

/** Events kept for `Last-Event-ID` replay; older ones are gone (a reconnect after that long misses them). */
const SSE_HISTORY = 300;
/** Observations the weather endpoint answers with. */
const WEATHER_HISTORY = 30;
/** A comment line this often keeps proxies (and SSE idle timeouts) from closing a quiet stream. */
const SSE_HEARTBEAT_MS = 10_000;
/** A `deploy` event every this many periods. */
const DEPLOY_EVERY = 30;
/** A client that leaves this much unsent (it stopped reading) is disconnected, so memory stays bounded. */
const MAX_UNSENT_BYTES = 1024 * 1024;

interface SseEvent {
  id: number;
  event: string;
  data: string;
}

function formatEvent({ id, event, data }: SseEvent): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

export function startWebDemo({ port, host = '0.0.0.0', intervalMs, log = () => {} }: WebDemoOptions): Promise<RunningWebDemo> {
  const ticker = new TickerState();
  const metrics = new MetricsState();
  const weather = new WeatherState();
  const sseHistory: SseEvent[] = [];
  const sseClients = new Set<http.ServerResponse>();
  const readings: WeatherReading[] = [];
  let weatherBody = '';
  let weatherEtag = '';
  let weatherModified = new Date(0);
  let nextEventId = 1;
  let round = 0;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const subscriptions = new Map<WebSocket, string[]>();

  const publishRound = () => {
    // Measured at the start of the current period: the payloads' own time, not the arrival time.
    const atMs = Math.floor(Date.now() / intervalMs) * intervalMs;
    round += 1;

    const tick = ticker.tick(atMs);
    for (const [socket, symbols] of subscriptions) {
      if (socket.bufferedAmount > MAX_UNSENT_BYTES) {
        socket.terminate();
        subscriptions.delete(socket);
      } else if (symbols.length > 0) {
        socket.send(JSON.stringify(tickFor(tick, symbols)));
      }
    }

    const events: SseEvent[] = [{ id: nextEventId++, event: 'metrics', data: JSON.stringify(metrics.metrics(atMs)) }];
    if (round % DEPLOY_EVERY === 0) events.push({ id: nextEventId++, event: 'deploy', data: JSON.stringify(deployEvent(atMs, round / DEPLOY_EVERY)) });
    for (const event of events) {
      sseHistory.push(event);
      if (sseHistory.length > SSE_HISTORY) sseHistory.shift();
      for (const client of sseClients) send(client, formatEvent(event));
    }

    readings.push(weather.observe(atMs));
    if (readings.length > WEATHER_HISTORY) readings.shift();
    weatherBody = JSON.stringify({ station: { id: 'demo-harbour', name: 'Harbour weather station', elevationM: 12 }, readings });
    weatherEtag = `"${createHash('sha1').update(weatherBody).digest('base64url')}"`;
    // HTTP dates have whole seconds; the ETag is what tells two answers of one second apart.
    weatherModified = new Date(Math.floor(atMs / 1000) * 1000);
  };

  const send = (client: http.ServerResponse, text: string) => {
    if (client.writableLength > MAX_UNSENT_BYTES) {
      sseClients.delete(client);
      client.destroy();
      return;
    }
    client.write(text);
  };

  const serveWeather = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = { ETag: weatherEtag, 'Last-Modified': weatherModified.toUTCString(), 'Cache-Control': 'no-cache' };
    const ifNoneMatch = req.headers['if-none-match'];
    const ifModifiedSince = req.headers['if-modified-since'];
    const notModified =
      ifNoneMatch !== undefined
        ? ifNoneMatch.split(',').some((tag) => tag.trim() === weatherEtag)
        : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= weatherModified.getTime();
    if (notModified) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end(weatherBody);
  };

  const serveEvents = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const lastId = Number(req.headers['last-event-id']);
    if (Number.isInteger(lastId)) {
      for (const event of sseHistory) if (event.id > lastId) res.write(formatEvent(event));
    }
    sseClients.add(res);
    req.on('close', () => sseClients.delete(res));
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    if (req.method === 'GET' && path === '/weather.json') return serveWeather(req, res);
    if (req.method === 'GET' && path === '/events') return serveEvents(req, res);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /ws (WebSocket), /events (SSE) or /weather.json\n');
  });

  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://demo').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      subscriptions.set(ws, []);
      ws.on('message', (data) => {
        const symbols = parseSubscribe(data.toString());
        if ('error' in symbols) {
          // Said on the socket and closed with "policy violation", so the client's state shows why.
          ws.close(1008, symbols.error.slice(0, 120));
          return;
        }
        subscriptions.set(ws, symbols);
      });
      ws.on('close', () => subscriptions.delete(ws));
      ws.on('error', () => subscriptions.delete(ws));
    });
  });

  publishRound();
  const timer = setInterval(publishRound, intervalMs);
  const heartbeat = setInterval(() => {
    for (const client of sseClients) send(client, ': keepalive\n\n');
  }, SSE_HEARTBEAT_MS);

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      log(`publisher: web demo on http://${host}:${actual} (/ws WebSocket, /events SSE, /weather.json polled JSON)`);
      resolve({
        port: actual,
        close: async () => {
          clearInterval(timer);
          clearInterval(heartbeat);
          for (const client of sseClients) client.end();
          for (const socket of wss.clients) socket.terminate();
          await new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
