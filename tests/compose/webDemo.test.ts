/**
 * The docker compose web demo, for real on this machine: the bundled demo publisher (the file the
 * image runs, built by scripts/build-demo.mjs) serves its WebSocket ticker, Server-Sent Events and
 * polled JSON on a free loopback port; a `ws` client, an SSE reader (Tributary's own parser) and plain
 * HTTP requests check that the messages parse, carry their own timestamps, replay after Last-Event-ID
 * and answer a matching ETag with 304. Then Tributary's own transports (their Save & test probes), with
 * the provisioned datasource settings, read each endpoint.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import WebSocket from 'ws';
import { parse } from 'yaml';

import { METRIC_HOSTS, TICKER_SYMBOLS } from '../../backend/src/demo/webPayloads';
import { probeHttpPoll } from '../../backend/src/sources/http-poll';
import { probeSse } from '../../backend/src/sources/sse';
import { SseParser, type SseEvent } from '../../backend/src/sources/sse/parser';
import { probeWebSocket } from '../../backend/src/sources/websocket';
import { DEFAULT_HTTP_POLL_SETTINGS, DEFAULT_SSE_SETTINGS, DEFAULT_WEBSOCKET_SETTINGS } from '../../src/shared/webSources';
import { stopChild } from '../launcher/harness';
import { removeTempDirs, repoRoot, tempDir } from '../support/goplugin';
import { commandOf, loadCompose } from './compose-file';

jest.setTimeout(60_000);

const INTERVAL_MS = 250;

let child: ChildProcess;
let base: string;
let log = '';

beforeAll(async () => {
  const outfile = path.join(tempDir('trweb-'), 'publisher.js');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-demo.mjs'), '--outfile', outfile], { stdio: 'pipe' });
  child = spawn(process.execPath, [outfile, '--no-mqtt', '--http-port', '0', '--interval-ms', String(INTERVAL_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the publisher printed no port within 10 s:\n${log}`)), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      log += c.toString();
      const match = /web demo on http:\/\/[^:]+:(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`the publisher exited with ${code}:\n${log}`)));
  });
  base = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await stopChild(child);
  removeTempDirs();
});

interface Arrived<T> {
  body: T;
  arrivedAtMs: number;
}

/** The payload's own time: the start of its period, a little before (never after) it arrived. */
function expectOwnTime(timeMs: number, arrivedAtMs: number): void {
  expect(timeMs % INTERVAL_MS).toBe(0);
  expect(timeMs).toBeLessThanOrEqual(arrivedAtMs);
  expect(arrivedAtMs - timeMs).toBeLessThan(INTERVAL_MS + 1_000);
}

it('the compose publisher serves the web demo on port 8080, next to MQTT', () => {
  const args = commandOf(loadCompose().services.publisher);
  expect(args.slice(0, 2)).toEqual(['node', 'demo/publisher.js']);
  expect(args[args.indexOf('--http-port') + 1]).toBe('8080');
  expect(args).not.toContain('--no-mqtt');
});

it('WebSocket: after the subscribe message, ticks carry the subscribed quotes and their own epoch-ms time', async () => {
  const socket = new WebSocket(`ws://${base}/ws`);
  const received: Array<Arrived<{ time: number; seq: number; quotes: Record<string, { price: number; bid: number; ask: number; volume: number }> }>> = [];
  socket.on('message', (data) => received.push({ body: JSON.parse(data.toString()), arrivedAtMs: Date.now() }));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  // Nothing is sent before a subscribe.
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
  expect(received).toEqual([]);
  socket.send(JSON.stringify({ op: 'subscribe', symbols: ['ACME', 'GLOBEX'] }));
  while (received.length < 4) await new Promise((resolve) => setTimeout(resolve, 50));
  socket.close();

  for (const { body, arrivedAtMs } of received) {
    expect(Object.keys(body.quotes).sort()).toEqual(['ACME', 'GLOBEX']);
    for (const quote of Object.values(body.quotes)) {
      expect(quote.price).toBeGreaterThan(0);
      expect(quote.bid).toBeLessThan(quote.ask);
      expect(Number.isInteger(quote.volume)).toBe(true);
    }
    expectOwnTime(body.time, arrivedAtMs);
  }
  for (let i = 1; i < received.length; i++) {
    expect(received[i].body.time).toBeGreaterThan(received[i - 1].body.time);
    expect(received[i].body.seq).toBe(received[i - 1].body.seq + 1);
  }
});

it('WebSocket: "*" subscribes to every symbol; a bad command closes the socket with the reason', async () => {
  const all = new WebSocket(`ws://${base}/ws`);
  await new Promise((resolve, reject) => all.once('open', resolve).once('error', reject));
  all.send('{"op":"subscribe","symbols":"*"}');
  const tick = await new Promise<{ quotes: Record<string, unknown> }>((resolve) => all.once('message', (data) => resolve(JSON.parse(data.toString()))));
  expect(Object.keys(tick.quotes).sort()).toEqual([...TICKER_SYMBOLS].sort());
  all.close();

  const bad = new WebSocket(`ws://${base}/ws`);
  await new Promise((resolve, reject) => bad.once('open', resolve).once('error', reject));
  bad.send('{"op":"subscribe","symbols":["NOPE"]}');
  const [code, reason] = await new Promise<[number, string]>((resolve) => bad.once('close', (c, r) => resolve([c, r.toString()])));
  expect([code, reason]).toEqual([1008, 'unknown symbols: NOPE (known: ACME, GLOBEX, INITECH, UMBRELLA)']);
});

/** Opens /events (optionally after `lastEventId`) and collects events until `enough` says stop. */
function readEvents(lastEventId: string | undefined, enough: (events: Array<Arrived<SseEvent>>) => boolean): Promise<Array<Arrived<SseEvent>>> {
  return new Promise((resolve, reject) => {
    const events: Array<Arrived<SseEvent>> = [];
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    const req = http.get(`http://${base}/events`, { headers }, (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      const parser = new SseParser({ maxEventChars: 1 << 20, onEvent: (event) => events.push({ body: event, arrivedAtMs: Date.now() }) });
      res.on('data', (chunk: Buffer) => {
        parser.feed(chunk);
        if (enough(events)) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', (err) => (events.length > 0 && enough(events) ? undefined : reject(err)));
  });
}

it('SSE: metrics events with ids and their own epoch-seconds time; Last-Event-ID replays what was missed', async () => {
  const first = await readEvents(undefined, (events) => events.length >= 3);
  for (const { body, arrivedAtMs } of first) {
    expect(body.type).toBe('metrics');
    expect(body.lastEventId).toMatch(/^\d+$/);
    const data = JSON.parse(body.data) as { ts: number; hosts: Record<string, { cpuPercent: number; requestsPerSecond: number; memoryMiB: number }> };
    expect(Object.keys(data.hosts)).toEqual([...METRIC_HOSTS]);
    for (const host of Object.values(data.hosts)) {
      expect(host.cpuPercent).toBeGreaterThan(0);
      expect(host.cpuPercent).toBeLessThan(100);
      expect(host.requestsPerSecond).toBeGreaterThanOrEqual(0);
    }
    // Epoch seconds: the mapping's `auto` reads it by magnitude.
    expect(data.ts).toBeLessThan(1e11);
    expectOwnTime(Math.round(data.ts * 1000), arrivedAtMs);
  }
  const ids = first.map((e) => Number(e.body.lastEventId));
  for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1] + 1);

  // Away for a few periods, then back with the last id seen: the missed events come first, in order.
  const lastSeen = ids.at(-1)!;
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 4));
  const resumed = await readEvents(String(lastSeen), (events) => events.length >= 3);
  const resumedIds = resumed.map((e) => Number(e.body.lastEventId));
  expect(resumedIds[0]).toBe(lastSeen + 1);
  for (let i = 1; i < resumedIds.length; i++) expect(resumedIds[i]).toBe(resumedIds[i - 1] + 1);
  // Replayed events arrive at once, long after their own time.
  expect(resumed[0].arrivedAtMs - Math.round(JSON.parse(resumed[0].body.data).ts * 1000)).toBeGreaterThan(INTERVAL_MS * 2);
});

function get(pathName: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`http://${base}${pathName}`, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

it('polled JSON: readings with their own ISO-8601 times; the same ETag answers 304, a new reading a new ETag', async () => {
  const first = await get('/weather.json');
  const arrivedAtMs = Date.now();
  expect(first.status).toBe(200);
  expect(first.headers['content-type']).toBe('application/json');
  const etag = first.headers.etag!;
  expect(etag).toMatch(/^"[\w-]+"$/);
  const body = JSON.parse(first.body) as { station: { id: string }; readings: Array<{ observedAt: string; temperatureC: number; windKph: number }> };
  expect(body.station.id).toBe('demo-harbour');
  expect(body.readings.length).toBeGreaterThan(0);
  for (const reading of body.readings) {
    expect(reading.observedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(reading.temperatureC).toBeGreaterThan(-30);
    expect(reading.windKph).toBeGreaterThanOrEqual(0);
  }
  expectOwnTime(Date.parse(body.readings.at(-1)!.observedAt), arrivedAtMs);

  // A reading is added every period, so ask again at once; a period boundary in between gives a new ETag, and then we retry.
  let notModified = false;
  let current = etag;
  for (let attempt = 0; attempt < 5 && !notModified; attempt++) {
    const again = await get('/weather.json', { 'If-None-Match': current });
    if (again.status === 304) {
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(current);
      notModified = true;
    } else {
      expect(again.status).toBe(200);
      expect(again.headers.etag).not.toBe(current);
      current = again.headers.etag!;
    }
  }
  expect(notModified).toBe(true);

  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 2));
  const later = await get('/weather.json', { 'If-None-Match': current });
  expect(later.status).toBe(200);
  expect(later.headers.etag).not.toBe(current);
  const newest = (JSON.parse(later.body) as typeof body).readings.at(-1)!;
  expect(Date.parse(newest.observedAt)).toBeGreaterThan(Date.parse(body.readings.at(-1)!.observedAt));
});

it('an unknown path is a 404 naming the endpoints', async () => {
  const answer = await get('/nope');
  expect(answer.status).toBe(404);
  expect(answer.body).toContain('/ws (WebSocket), /events (SSE) or /weather.json');
});

describe("Tributary's own transports read the demo with the provisioned settings (Save & test)", () => {
  const datasources = parse(readFileSync(path.join(repoRoot, 'provisioning', 'datasources', 'web.yaml'), 'utf8')).datasources as Array<{ jsonData: Record<string, any> }>;
  /** The provisioned settings of a kind, with the compose host `publisher:8080` replaced by the local publisher. */
  const provisioned = (key: 'websocket' | 'sse' | 'httpPoll') => {
    const settings = datasources.find((ds) => ds.jsonData[key] !== undefined)!.jsonData[key];
    const url = new URL(settings.url);
    expect(url.host).toBe('publisher:8080');
    return { ...settings, url: settings.url.replace('publisher:8080', base) };
  };

  it('WebSocket: the connect message subscribes and the first tick holds every symbol', async () => {
    const result = await probeWebSocket({ settings: { ...DEFAULT_WEBSOCKET_SETTINGS, ...provisioned('websocket') }, secure: {} });
    expect([result.ok, result.message]).toEqual([true, expect.stringContaining('received a message')]);
    const tick = JSON.parse(result.sample!.payload);
    expect(Object.keys(tick.quotes).sort()).toEqual([...TICKER_SYMBOLS].sort());
    expectOwnTime(tick.time, result.sample!.receivedAtMs);
  });

  it('SSE: the first event is a metrics event with its own time', async () => {
    const result = await probeSse({ settings: { ...DEFAULT_SSE_SETTINGS, ...provisioned('sse') }, secure: {} });
    expect([result.ok, result.sample?.topic]).toEqual([true, 'metrics']);
    const metrics = JSON.parse(result.sample!.payload);
    expect(Object.keys(metrics.hosts)).toEqual([...METRIC_HOSTS]);
    expectOwnTime(Math.round(metrics.ts * 1000), result.sample!.receivedAtMs);
  });

  it('HTTP polling: the rows path gives observations with their own time', async () => {
    const result = await probeHttpPoll({ settings: { ...DEFAULT_HTTP_POLL_SETTINGS, ...provisioned('httpPoll') }, secure: {} });
    expect(result.ok).toBe(true);
    const row = JSON.parse(result.sample!.payload);
    expect(row).toEqual({ observedAt: expect.any(String), temperatureC: expect.any(Number), humidityPercent: expect.any(Number), windKph: expect.any(Number), pressureHpa: expect.any(Number) });
    expect(Date.parse(row.observedAt)).toBeLessThanOrEqual(result.sample!.receivedAtMs);
  });
});
