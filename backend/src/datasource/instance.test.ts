import { Registry } from 'prom-client';
import { DEFAULT_QUERY } from '../../../src/shared/query';
import type { Frame } from '@tributary/grafana-backend-sdk/frames';
import { RecordingSender } from '@tributary/grafana-backend-sdk/testing';
import { isEncodedFrame } from '@tributary/grafana-backend-sdk';
import { QueryError, SettingsError, type DataResponse, type TypedDataQuery } from '@tributary/grafana-backend-sdk';
import type { TributaryQuery } from '../../../src/shared/query';
import { tributaryPlugin } from './index';
import { TributaryInstance } from './instance';
import {
  dataQuery,
  factoryContext,
  instanceSettings,
  requestContext,
  ResourceRecorder,
  resourceRequest,
  streamRequest,
} from './testSupport';

const T0 = 1_764_000_000_050; // 50 ms past a 100 ms grid point

function newInstance(jsonData: Record<string, unknown> = {}, registry = new Registry()): TributaryInstance {
  return tributaryPlugin.newInstance(instanceSettings(jsonData), factoryContext(registry)) as TributaryInstance;
}

/** A QueryData answer computed in this thread (no worker pool here), so its frames are plain frames. */
type InlineResponse = Omit<DataResponse, 'frames'> & { frames?: Frame[] };

function inlineFrames(response: DataResponse): InlineResponse {
  const frames = response.frames?.map((f) => {
    if (isEncodedFrame(f)) throw new Error('expected a frame computed inline');
    return f;
  });
  return { ...response, frames };
}

async function runQuery(
  instance: TributaryInstance,
  model: Record<string, unknown>,
  range: { from: number; to: number },
  maxDataPoints = 1000,
  headers: Record<string, string> = {},
): Promise<InlineResponse> {
  const base = dataQuery('A', range.from, range.to, maxDataPoints);
  const decoded = instance.decodeQuery({ refId: 'A', ...model }, base);
  return inlineFrames(await instance.query({ ...base, model: decoded } as TypedDataQuery<TributaryQuery>, { ...requestContext(), headers }));
}

/** Rows of a QueryData frame as [timeMs, ...values]. */
function frameRows(frame: Frame): number[][] {
  const times = Array.from(frame.fields[0].values as BigInt64Array, (ns) => Number(ns / 1_000_000n));
  return times.map((t, row) => [t, ...frame.fields.slice(1).map((f) => (f.values as Float64Array)[row])]);
}

/** Rows of data-only stream packets (skipping the schema packet). */
function packetRows(sender: RecordingSender): number[][] {
  const rows: number[][] = [];
  for (const packet of sender.json() as Array<{ data?: { values: number[][] } }>) {
    if (!packet.data) continue;
    const columns = packet.data.values;
    columns[0].forEach((t, row) => rows.push([t, ...columns.slice(1).map((c) => c[row])]));
  }
  return rows;
}

function channelPath(response: InlineResponse): string {
  const channel = response.frames![0].meta!.channel!;
  return channel.split('/').slice(2).join('/');
}

describe('Tributary datasource', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  describe('QueryData', () => {
    it('returns history on the interval grid, most recent rows, one field per series', async () => {
      const response = await runQuery(newInstance(), { signal: 'sine', seriesCount: 2, sampleIntervalMs: 100, withStreaming: false }, { from: T0 - 60_000, to: T0 }, 250);
      expect(response.status).toBe(200);
      const [frame] = response.frames!;
      expect(frame.refId).toBe('A');
      expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
        ['time', 'time'],
        ['sine-1', 'float64'],
        ['sine-2', 'float64'],
      ]);
      const rows = frameRows(frame);
      expect(rows).toHaveLength(250);
      expect(rows[249][0]).toBe(T0 - 50);
      expect(rows[0][0]).toBe(T0 - 50 - 249 * 100);
      expect(rows.every((r) => r[0] % 100 === 0)).toBe(true);
      expect(frame.meta?.channel).toBeUndefined();
    });

    it("samples at sampleIntervalMs and ignores the panel interval Grafana puts in intervalMs", async () => {
      // DataSourceWithBackend overwrites every query's `intervalMs` with the panel's interval before sending.
      const chosen = await runQuery(newInstance(), { sampleIntervalMs: 250, intervalMs: 60_000, withStreaming: true }, { from: T0 - 10_000, to: T0 });
      const rows = frameRows(chosen.frames![0]);
      expect(rows[1][0] - rows[0][0]).toBe(250);
      expect(channelPath(chosen)).toBe('v1/sine/n=3/i=250/a=10/o=0/p=10000');
      // Only the panel interval given: the default sample interval, and a non-number there is no error.
      const panelOnly = await runQuery(newInstance(), { intervalMs: 'soon' }, { from: T0 - 10_000, to: T0 });
      const defaults = frameRows(panelOnly.frames![0]);
      expect(defaults[1][0] - defaults[0][0]).toBe(DEFAULT_QUERY.sampleIntervalMs);
    });

    it('names fields after the alias', async () => {
      const one = await runQuery(newInstance(), { seriesCount: 1, alias: 'CPU' }, { from: T0 - 1000, to: T0 });
      expect(one.frames![0].fields[1].name).toBe('CPU');
      const two = await runQuery(newInstance(), { seriesCount: 2, alias: 'CPU' }, { from: T0 - 1000, to: T0 });
      expect(two.frames![0].fields.slice(1).map((f) => f.name)).toEqual(['CPU 1', 'CPU 2']);
    });

    it('adds a canonical channel within Grafana rules when streaming', async () => {
      const instance = newInstance();
      const a = await runQuery(instance, { withStreaming: true, signal: 'random-walk', periodMs: 1000 }, { from: T0 - 1000, to: T0 });
      const b = await runQuery(instance, { withStreaming: true, signal: 'random-walk', periodMs: 9000 }, { from: T0 - 5000, to: T0 });
      const channel = a.frames![0].meta!.channel!;
      expect(channel).toBe('ds/tributary-test/v1/random-walk/n=3/i=100/a=10/o=0');
      expect(b.frames![0].meta!.channel).toBe(channel);
      expect(channel.length).toBeLessThanOrEqual(160);
      expect(channel).toMatch(/^[A-Za-z0-9_\-/=.]+$/);
    });

    it('answers alert rule evaluations (FromAlert) with plain history and no channel', async () => {
      const model = { withStreaming: true, signal: 'counter', seriesCount: 1 };
      const range = { from: T0 - 5000, to: T0 };
      const panel = await runQuery(newInstance(), model, range);
      const alert = await runQuery(newInstance(), model, range, 1000, { FromAlert: 'true' });
      expect(panel.frames![0].meta!.channel).toBeDefined();
      expect(alert.status).toBe(200);
      expect(alert.frames![0].meta?.channel).toBeUndefined();
      expect(frameRows(alert.frames![0])).toEqual(frameRows(panel.frames![0]));
    });

    it('fails only the bad query with a 400 naming the field', () => {
      const instance = newInstance({ maxSeries: 5 });
      const base = dataQuery('A', T0 - 1000, T0, 100);
      expect(() => instance.decodeQuery({ refId: 'A', sampleIntervalMs: 'soon' }, base)).toThrow(QueryError);
      expect(() => instance.decodeQuery({ refId: 'A', sampleIntervalMs: 'soon' }, base)).toThrow(/"sampleIntervalMs"/);
      try {
        instance.decodeQuery({ refId: 'A', seriesCount: 6 }, base);
        throw new Error('expected a QueryError');
      } catch (error) {
        expect(error).toBeInstanceOf(QueryError);
        expect((error as QueryError).status).toBe(400);
        expect((error as QueryError).message).toMatch(/"seriesCount".*between 1 and 5/);
      }
    });

    it('refuses an alias too long for a live channel, but not without streaming', async () => {
      const instance = newInstance();
      const alias = 'x'.repeat(100);
      await expect(runQuery(instance, { alias, withStreaming: true }, { from: T0 - 1000, to: T0 })).rejects.toThrow(/"alias".*at most 160/);
      expect((await runQuery(instance, { alias, withStreaming: false }, { from: T0 - 1000, to: T0 })).status).toBe(200);
    });

    it('caps huge ranges by points and says so, yielding to the event loop while it computes', async () => {
      jest.useRealTimers(); // the frame is computed in slices separated by setImmediate
      const pending = runQuery(newInstance({ maxSeries: 100 }), { seriesCount: 100, sampleIntervalMs: 10, withStreaming: false }, { from: T0 - 86_400_000, to: T0 }, 0);
      let otherWorkRan = false;
      setImmediate(() => (otherWorkRan = true));
      const frame = (await pending).frames![0];
      expect(otherWorkRan).toBe(true);
      expect(frame.fields[0].values.length).toBe(10_000);
      expect(frame.meta?.notices?.[0].text).toMatch(/latest 10000 of/);
    });

    it('stops computing a big history when the request is cancelled', async () => {
      jest.useRealTimers();
      const instance = newInstance({ maxSeries: 100 });
      const base = dataQuery('A', T0 - 86_400_000, T0, 0);
      const model = instance.decodeQuery({ seriesCount: 100, sampleIntervalMs: 10 }, base);
      const cancel = new AbortController();
      const pending = instance.query({ ...base, model }, requestContext(cancel.signal));
      cancel.abort();
      await expect(pending).rejects.toThrow(/abort/i);
    });
  });

  describe('streams', () => {
    it('continue the history without a gap or a jump', async () => {
      const instance = newInstance();
      const model = { signal: 'random-walk', seriesCount: 2, sampleIntervalMs: 100, withStreaming: true };
      const history = await runQuery(instance, model, { from: T0 - 5000, to: T0 });
      const sender = new RecordingSender();
      const stop = new AbortController();
      const run = instance.runStream(streamRequest(channelPath(history)), sender, requestContext(stop.signal));
      await jest.advanceTimersByTimeAsync(3000);
      stop.abort();
      await run;

      const joined = [...frameRows(history.frames![0]), ...packetRows(sender)];
      expect(packetRows(sender).length).toBe(30);
      joined.slice(1).forEach((row, i) => expect(row[0] - joined[i][0]).toBe(100));
      // the same rows a single QueryData over the whole span returns, bit for bit
      const whole = frameRows((await runQuery(instance, model, { from: joined[0][0], to: joined[joined.length - 1][0] })).frames![0]);
      expect(joined).toEqual(whole);
    });

    it('send the schema first, then data-only packets, never more than maxPacketsPerSecond', async () => {
      const instance = newInstance({ maxPacketsPerSecond: 10 });
      const path = channelPath(await runQuery(instance, { sampleIntervalMs: 10, withStreaming: true }, { from: T0 - 100, to: T0 }));
      const sender = new RecordingSender();
      const stop = new AbortController();
      const run = instance.runStream(streamRequest(path), sender, requestContext(stop.signal));
      await jest.advanceTimersByTimeAsync(5000);
      stop.abort();
      await run;

      const packets = sender.json() as Array<{ schema?: { fields: Array<{ name: string }> }; data?: unknown }>;
      expect(packets[0].data).toBeUndefined();
      expect(packets[0].schema!.fields.map((f) => f.name)).toEqual(['time', 'sine-1', 'sine-2', 'sine-3']);
      expect(packets.slice(1).every((p) => p.schema === undefined && p.data !== undefined)).toBe(true);
      const times = sender.packets.slice(1).map((p) => p.at);
      for (const second of new Set(times.map((t) => Math.floor(t / 1000)))) {
        expect(times.filter((t) => Math.floor(t / 1000) === second).length).toBeLessThanOrEqual(10);
      }
      times.slice(1).forEach((t, i) => expect(t - times[i]).toBeGreaterThanOrEqual(100));
      // every 10 ms sample from the start up to the last 100 ms boundary (T0 + 4950), in 10-row packets
      const rows = packetRows(sender);
      expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 495 }, (_, i) => T0 + 10 + i * 10));
      expect((packets[2].data as { values: number[][] }).values[0]).toHaveLength(10);
    });

    it('share one upstream between RunStreams and send them identical packets', async () => {
      const registry = new Registry();
      const instance = newInstance({}, registry);
      const path = channelPath(await runQuery(instance, { withStreaming: true }, { from: T0 - 100, to: T0 }));
      const a = new RecordingSender();
      const b = new RecordingSender();
      const stop = new AbortController();
      const runs = [
        instance.runStream(streamRequest(path), a, requestContext(stop.signal)),
        instance.runStream(streamRequest(path), b, requestContext(stop.signal)),
      ];
      await jest.advanceTimersByTimeAsync(2000);
      expect(instance.activeChannels).toBe(1);
      expect((await registry.getSingleMetricAsString('tributary_active_channels'))).toMatch(/tributary_active_channels 1/);
      expect(a.packets.length).toBeGreaterThan(10);
      expect(a.packets.map((p) => p.text)).toEqual(b.packets.map((p) => p.text));
      stop.abort();
      await Promise.all(runs);
      expect(instance.activeChannels).toBe(0);
      expect((await registry.getSingleMetricAsString('tributary_active_channels'))).toMatch(/tributary_active_channels 0/);
    });

    it('give two independent backends the same values for the same channel', async () => {
      const first = newInstance();
      const second = newInstance();
      const path = channelPath(await runQuery(first, { signal: 'random-walk', withStreaming: true }, { from: T0 - 100, to: T0 }));
      const a = new RecordingSender();
      const b = new RecordingSender();
      const stop = new AbortController();
      const runA = first.runStream(streamRequest(path), a, requestContext(stop.signal));
      await jest.advanceTimersByTimeAsync(700);
      const runB = second.runStream(streamRequest(path), b, requestContext(stop.signal));
      await jest.advanceTimersByTimeAsync(1000);
      stop.abort();
      await Promise.all([runA, runB]);
      const rowsB = packetRows(b);
      const rowsA = packetRows(a).filter((row) => row[0] >= rowsB[0][0]);
      expect(rowsB.length).toBeGreaterThan(5);
      expect(rowsA).toEqual(rowsB);
    });

    it('stop everything within 100 ms of the cancel', async () => {
      const instance = newInstance();
      const path = channelPath(await runQuery(instance, { sampleIntervalMs: 10, withStreaming: true }, { from: T0 - 100, to: T0 }));
      const sender = new RecordingSender();
      const stop = new AbortController();
      let ended = false;
      const run = instance.runStream(streamRequest(path), sender, requestContext(stop.signal)).then(() => (ended = true));
      await jest.advanceTimersByTimeAsync(1234);
      stop.abort();
      const sentAtCancel = sender.packets.length;
      await jest.advanceTimersByTimeAsync(100);
      expect(ended).toBe(true);
      expect(instance.activeChannels).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(5000);
      expect(sender.packets.length).toBe(sentAtCancel);
      await run;
    });

    it('keep a slow reader bounded and count the points it misses', async () => {
      const registry = new Registry();
      const instance = newInstance({ maxSeries: 100 }, registry);
      const path = channelPath(await runQuery(instance, { seriesCount: 100, sampleIntervalMs: 10, withStreaming: true }, { from: T0 - 100, to: T0 }));
      const sender = new RecordingSender();
      sender.hasRoom = false;
      const stop = new AbortController();
      const run = instance.runStream(streamRequest(path), sender, requestContext(stop.signal));
      const heapBefore = process.memoryUsage().heapUsed;
      await jest.advanceTimersByTimeAsync(60_000); // a minute of a stuck reader: 1200 packets of 500 points
      expect(sender.packets.length).toBe(1);
      const dropped = await registry.getSingleMetricAsString('tributary_stream_dropped_points_total');
      expect(dropped).toMatch(/reason="slow_reader"} 592000/); // all but the newest 16 packets of 500 points
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
      sender.makeRoom();
      await jest.advanceTimersByTimeAsync(0);
      expect(sender.packets.length).toBe(1 + 16);
      stop.abort();
      await run;
    });

    it('answer SubscribeStream with the schema, NOT_FOUND or PERMISSION_DENIED', () => {
      const instance = newInstance({ maxSeries: 5 });
      const ok = instance.subscribeStream(streamRequest('v1/sine/n=2/i=100/a=10/o=0/p=10000/l=Q1BV'));
      expect(ok.status).toBe('ok');
      expect(ok.initialDataInclude).toBe('schema');
      expect((ok.initialData as Frame).fields.map((f) => f.name)).toEqual(['time', 'CPU 1', 'CPU 2']);
      expect(instance.subscribeStream(streamRequest('stream')).status).toBe('notFound');
      expect(instance.subscribeStream(streamRequest('v1/sine/n=6/i=100/a=10/o=0/p=10000')).status).toBe('permissionDenied');
    });

    it('end a RunStream for an invalid path at once instead of looping', async () => {
      const instance = newInstance();
      await expect(instance.runStream(streamRequest('nope'), new RecordingSender(), requestContext())).resolves.toBeUndefined();
      expect(instance.activeChannels).toBe(0);
    });

    it('deny publishing', () => {
      expect(newInstance().publishStream()).toEqual({ status: 'permissionDenied' });
    });
  });

  describe('settings, health, resources, metrics', () => {
    it('refuses bad settings with a message that says what to fix', () => {
      expect(() => newInstance({ maxPacketsPerSecond: 1000 })).toThrow(SettingsError);
      expect(() => newInstance({ maxPacketsPerSecond: 1000 })).toThrow(/maxPacketsPerSecond must be between 1 and 100 \(got 1000\); set it/);
    });

    it('reports version, run mode and active channels in CheckHealth', async () => {
      const instance = newInstance();
      const stop = new AbortController();
      const path = channelPath(await runQuery(instance, { withStreaming: true }, { from: T0 - 100, to: T0 }));
      const run = instance.runStream(streamRequest(path), new RecordingSender(), requestContext(stop.signal));
      const health = instance.checkHealth(requestContext());
      expect(health.status).toBe('ok');
      expect(health.message).toMatch(/^Tributary \d+\.\d+\.\d+ is working: sidecar .*1 active live channel\.$/);
      expect(health.details).toMatchObject({ runMode: 'sidecar', activeChannels: 1, settings: { maxPacketsPerSecond: 20 } });
      stop.abort();
      await run;
    });

    it('serves the signal list with ranges narrowed by the settings, 404 and 405 otherwise', () => {
      const instance = newInstance({ maxSeries: 8 });
      const ok = new ResourceRecorder();
      instance.callResource(resourceRequest('signals'), ok);
      expect(ok.status).toBe(200);
      const body = JSON.parse(ok.body) as { signals: Array<{ kind: string; parameters: Record<string, { max: number; default: number }> }> };
      expect(body.signals.map((s) => s.kind)).toEqual(['random-walk', 'sine', 'square', 'sawtooth', 'counter']);
      expect(body.signals[1].parameters.seriesCount).toMatchObject({ min: 1, max: 8, default: DEFAULT_QUERY.seriesCount });
      expect(body.signals[0].parameters.periodMs).toBeUndefined();

      const missing = new ResourceRecorder();
      instance.callResource(resourceRequest('nope'), missing);
      expect(missing.status).toBe(404);
      expect(JSON.parse(missing.body).error).toMatch(/available: signals, settings/);

      const post = new ResourceRecorder();
      instance.callResource(resourceRequest('signals', 'POST'), post);
      expect(post.status).toBe(405);
      expect(post.headers.Allow).toBe('GET');
    });

    it('registers metrics once per registry however many instances come and go', async () => {
      const registry = new Registry();
      const first = newInstance({}, registry);
      await runQuery(first, {}, { from: T0 - 1000, to: T0 });
      first.dispose();
      const second = newInstance({ maxSeries: 4 }, registry);
      await runQuery(second, {}, { from: T0 - 1000, to: T0 });
      expect(() => second.decodeQuery({ seriesCount: 9 }, dataQuery('A', 0, 1, 1))).toThrow(QueryError);
      const text = await registry.metrics();
      expect(text).toMatch(/tributary_query_duration_seconds_count 2/);
    });
  });
});
