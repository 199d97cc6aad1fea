/**
 * In-process checks of the SDK's defences against bad input: the error-source rule, the time-range
 * check, bounded log lines, the jsonData size limit and the instance manager's idle/cap rules.
 */
import { Registry } from 'prom-client';
import { errorSourceForStatus } from '../src/middleware/error-source';
import { executeQuery, prepareQuery } from '../src/handlers/query-runner';
import { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS, timeRangeProblem } from '../src/handlers/time-range';
import { InstanceLimitError, InstanceManager } from '../src/instances/manager';
import { MAX_JSON_DATA_BYTES, decodeSettings } from '../src/wire/convert';
import { MAX_LOG_STRING_BYTES, clipString } from '../src/log/clip';
import { HclogLogger } from '../src/log/logger';
import { SdkMetrics } from '../src/metrics/sdk-metrics';
import { QueryError, SettingsError, type DataQuery, type DataSourceInstance, type RequestContext } from '../src/types';
import type { WireDataSourceInstanceSettings } from '../src/wire/convert';

const MiB = 1024 * 1024;

/** One query through the SDK's steps, as the QueryData pipeline runs them (without admission). */
async function answerQuery(instance: DataSourceInstance, query: DataQuery, ctx: RequestContext) {
  const prepared = prepareQuery(instance, query);
  return prepared.ok ? executeQuery(instance, prepared.query, ctx) : prepared.response;
}

describe('error source', () => {
  test("4xx statuses follow the Go SDK's ErrorSourceFromHTTPStatus: plugin only for 405 406 412 413 414 416 417 426 431, downstream for the rest (400, 404, 499)", () => {
    for (const status of [405, 406, 412, 413, 414, 416, 417, 426, 431]) expect([status, errorSourceForStatus(status)]).toEqual([status, 'plugin']);
    for (const status of [400, 401, 403, 404, 409, 422, 429, 499]) expect([status, errorSourceForStatus(status)]).toEqual([status, 'downstream']);
  });

  test("5xx without a source is the plugin's own failure (the Go SDK's DefaultErrorSource)", () => {
    for (const status of [500, 501, 502, 503]) expect(errorSourceForStatus(status)).toBe('plugin');
  });

  test('QueryError takes its default source from the status; an explicit source wins', () => {
    expect(new QueryError('bad field').source).toBe('downstream');
    expect(new QueryError('too big', 413).source).toBe('plugin');
    expect(new QueryError('broken', 500).source).toBe('plugin');
    expect(new QueryError('upstream refused', 502, 'downstream').source).toBe('downstream');
    expect(new QueryError('our bug', 400, 'plugin').source).toBe('plugin');
  });
});

describe('time range', () => {
  test('the int64-nanosecond bounds are accepted, one millisecond past them is not', () => {
    expect(new Date(MAX_FRAME_TIME_MS).toISOString()).toBe('2262-04-11T23:47:16.854Z');
    expect(new Date(MIN_FRAME_TIME_MS).toISOString()).toBe('1677-09-21T00:12:43.146Z');
    expect(BigInt(MAX_FRAME_TIME_MS) * 1_000_000n <= 2n ** 63n - 1n).toBe(true);
    expect(BigInt(MAX_FRAME_TIME_MS + 1) * 1_000_000n > 2n ** 63n - 1n).toBe(true);
    expect(timeRangeProblem({ from: MIN_FRAME_TIME_MS, to: MAX_FRAME_TIME_MS })).toBeUndefined();
    expect(timeRangeProblem({ from: 5, to: 5 })).toBeUndefined();
    expect(timeRangeProblem({ from: MIN_FRAME_TIME_MS - 1, to: 0 })).toMatch(/"from" -9223372036855 ms .* outside what a data frame can hold \(1677-09-21T00:12:43.146Z to 2262-04-11T23:47:16.854Z\)/);
    expect(timeRangeProblem({ from: 0, to: MAX_FRAME_TIME_MS + 1 })).toMatch(/"to" 9223372036855 ms/);
    expect(timeRangeProblem({ from: 0, to: 9.2e18 })).toMatch(/"to" 9200000000000000000 ms is outside/);
    expect(timeRangeProblem({ from: Number.NaN, to: 0 })).toMatch(/"from" is not a number/);
    expect(timeRangeProblem({ from: 2000, to: 1000 })).toMatch(/ends before it starts/);
  });

  function spyInstance(): { instance: DataSourceInstance; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      instance: {
        decodeQuery: (json) => {
          calls.push('decode');
          return json;
        },
        query: () => {
          calls.push('query');
          return { frames: [] };
        },
      },
    };
  }
  const ctx = { signal: new AbortController().signal, logger: new HclogLogger({ level: 'off' }) } as unknown as RequestContext;
  const dataQuery = (from: number, to: number, json = '{}'): DataQuery => ({
    refId: 'A', queryType: '', maxDataPoints: 10, intervalMS: 1000, timeRange: { from, to }, json: Buffer.from(json),
  });

  test('an out-of-range or reversed time range is a 400 (downstream) before the plugin decodes or computes anything', async () => {
    for (const [from, to] of [[-9.3e12, 0], [0, 9.3e12], [10, 1]]) {
      const { instance, calls } = spyInstance();
      const answer = await answerQuery(instance, dataQuery(from, to), ctx);
      expect(answer).toMatchObject({ status: 400, errorSource: 'downstream', error: expect.stringMatching(/^query A: the time range/) });
      expect(calls).toEqual([]);
    }
    const { instance, calls } = spyInstance();
    expect((await answerQuery(instance, dataQuery(0, 1000), ctx)).error).toBeUndefined();
    expect(calls).toEqual(['decode', 'query']);
  });

  test('malformed query JSON and a decodeQuery rejection are the user\'s errors: 400, downstream', async () => {
    expect(await answerQuery(spyInstance().instance, dataQuery(0, 1, '{oops'), ctx)).toMatchObject({ status: 400, errorSource: 'downstream' });
    const rejecting: DataSourceInstance = { decodeQuery: () => { throw new Error('no'); }, query: () => ({}) };
    expect(await answerQuery(rejecting, dataQuery(0, 1), ctx)).toMatchObject({ status: 400, errorSource: 'downstream', error: 'query A is invalid: no' });
    const throwing: DataSourceInstance = { query: () => { throw new Error('bug'); } };
    expect(await answerQuery(throwing, dataQuery(0, 1), ctx)).toMatchObject({ status: 500, errorSource: 'plugin' });
  });
});

describe('bounded log lines', () => {
  function capture(): { log: HclogLogger; lines: string[] } {
    const lines: string[] = [];
    return { lines, log: new HclogLogger({ level: 'info', module: 'p', write: (l) => lines.push(l) }) };
  }

  test('a 15 MiB message and field value become a line of a few KiB that says how many bytes were cut', () => {
    const { log, lines } = capture();
    const huge = 'p'.repeat(15 * MiB);
    log.with({ refId: huge }).info(huge, { path: huge, nested: { deeper: [huge] } });
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBeLessThan(8 * 1024);
    const entry = JSON.parse(lines[0]);
    const cut = `…[${15 * MiB - MAX_LOG_STRING_BYTES} more bytes cut]`;
    expect(entry['@message']).toBe('p'.repeat(MAX_LOG_STRING_BYTES) + cut);
    expect(entry.path).toBe('p'.repeat(MAX_LOG_STRING_BYTES) + cut);
    expect(entry.refId).toBe('p'.repeat(MAX_LOG_STRING_BYTES) + cut);
    expect(entry.nested.deeper[0]).toBe('p'.repeat(MAX_LOG_STRING_BYTES) + cut);
  });

  test('secrets stay redacted, errors are clipped, collections are bounded, multi-byte text is cut on a character boundary', () => {
    const { log, lines } = capture();
    log.warn('x', {
      settings: { password: 'pw'.repeat(MiB), url: 'u' },
      error: new Error('e'.repeat(MiB)),
      many: Array.from({ length: 5000 }, (_, i) => i),
      wide: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
    });
    const entry = JSON.parse(lines[0]);
    expect(entry.settings).toEqual({ password: '[redacted]', url: 'u' });
    expect(entry.error).toMatch(/^e{1024}…\[\d+ more bytes cut\]$/);
    expect(entry.many).toHaveLength(101);
    expect(entry.many[100]).toBe('…[4900 more items cut]');
    expect(Object.keys(entry.wide)).toHaveLength(101);
    expect(lines[0].length).toBeLessThan(16 * 1024);
    const euro = clipString('€'.repeat(1000), 1024); // 3 bytes each: 341 fit
    expect(euro).toBe('€'.repeat(341) + '…[1977 more bytes cut]');
  });
});

function wire(uid: string, jsonData: string | Buffer = '{}', lastUpdatedMS = 1): WireDataSourceInstanceSettings {
  return {
    id: 1, uid, name: 'n', url: '', user: '', database: '', basicAuthEnabled: false, basicAuthUser: '',
    jsonData: Buffer.from(jsonData), decryptedSecureJsonData: {}, lastUpdatedMS, apiVersion: '',
  };
}

describe('settings size', () => {
  test('jsonData over the limit is a SettingsError naming the limit and is never parsed; at the limit it is fine', () => {
    const atLimit = `{"a":"${'x'.repeat(MAX_JSON_DATA_BYTES - 8)}"}`;
    expect(Buffer.byteLength(atLimit)).toBe(MAX_JSON_DATA_BYTES);
    expect(decodeSettings(wire('u', atLimit)).jsonData.a).toHaveLength(MAX_JSON_DATA_BYTES - 8);
    const over = `{"a":"${'x'.repeat(5 * MiB)}"}`;
    expect(() => decodeSettings(wire('u', over))).toThrow(SettingsError);
    expect(() => decodeSettings(wire('u', over))).toThrow(/jsonData is too large \(5121 KiB; the limit is 64 KiB\)/);
    // Not valid JSON either: refused for its size, so the parser never ran over 5 MiB.
    expect(() => decodeSettings(wire('u', Buffer.alloc(5 * MiB, 0x7b)))).toThrow(/too large/);
  });
});

describe('instance lifetime', () => {
  const logger = new HclogLogger({ level: 'off' });
  function manager(options: { idleTimeoutMs?: number; maxInstances?: number } = {}) {
    const created: string[] = [];
    const disposed: string[] = [];
    const registry = new Registry();
    const m = new InstanceManager({
      definition: {
        pluginId: 'p',
        version: '1',
        newInstance: (s) => {
          created.push(s.uid);
          return { dispose: () => void disposed.push(s.uid) };
        },
      },
      logger,
      runMode: 'sidecar',
      metrics: new SdkMetrics(registry, false),
      registry,
      ...options,
    });
    return { m, created, disposed };
  }
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  afterEach(() => jest.useRealTimers());

  test('an instance idle for the idle time is disposed; one in use is not, and its clock restarts when released', async () => {
    jest.useFakeTimers();
    const { m, created, disposed } = manager({ idleTimeoutMs: 1_000 });
    (await m.acquire(wire('idle'), {})).release();
    const busy = await m.acquire(wire('busy'), {}); // e.g. a running stream
    jest.advanceTimersByTime(999);
    await flush();
    expect(disposed).toEqual([]);
    jest.advanceTimersByTime(1);
    await flush();
    expect(disposed).toEqual(['idle']);
    expect(m.size).toBe(1);
    jest.advanceTimersByTime(60_000);
    await flush();
    expect(disposed).toEqual(['idle']);
    busy.release();
    jest.advanceTimersByTime(999);
    await flush();
    expect(disposed).toEqual(['idle']);
    // Used again just before it would expire: the idle time starts over.
    (await m.acquire(wire('busy'), {})).release();
    jest.advanceTimersByTime(999);
    await flush();
    expect(disposed).toEqual(['idle']);
    jest.advanceTimersByTime(1);
    await flush();
    expect(disposed).toEqual(['idle', 'busy']);
    // A disposed instance is simply created again on the next request.
    (await m.acquire(wire('idle'), {})).release();
    expect(created).toEqual(['idle', 'busy', 'idle']);
    await m.disposeAll();
  });

  test('at the cap the least recently used idle instance makes room; busy ones are never disposed; all busy refuses', async () => {
    const { m, disposed } = manager({ maxInstances: 3 });
    const stream = await m.acquire(wire('a'), {}); // held: a stream
    (await m.acquire(wire('b'), {})).release();
    (await m.acquire(wire('c'), {})).release();
    (await m.acquire(wire('b'), {})).release(); // b used after c: c is now the least recently used idle
    (await m.acquire(wire('d'), {})).release();
    await flush();
    expect(disposed).toEqual(['c']);
    (await m.acquire(wire('e'), {})).release();
    await flush();
    expect(disposed).toEqual(['c', 'b']);
    expect(m.size).toBe(3);
    const d = await m.acquire(wire('d'), {});
    const e = await m.acquire(wire('e'), {});
    await expect(m.acquire(wire('f'), {})).rejects.toThrow(InstanceLimitError);
    await expect(m.acquire(wire('f'), {})).rejects.toThrow(/limit 3, all busy/);
    expect(disposed).toEqual(['c', 'b']);
    e.release();
    (await m.acquire(wire('f'), {})).release();
    await flush();
    expect(disposed).toEqual(['c', 'b', 'e']);
    stream.release();
    d.release();
    await m.disposeAll();
  });

  test('oversized jsonData is refused with the settings error and the factory never runs', async () => {
    const { m, created } = manager();
    await expect(m.acquire(wire('big', `{"a":"${'x'.repeat(5 * MiB)}"}`), {})).rejects.toThrow(/the limit is 64 KiB/);
    expect(created).toEqual([]);
  });
});
