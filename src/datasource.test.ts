import './test/domPolyfills';
import { CoreApp, dateTime, type DataQueryRequest, type DataQueryResponse, type TimeRange } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { firstValueFrom } from 'rxjs';

import { DEFAULT_QUERY, SIGNALS, type TributaryQuery } from './shared/query';
import { DEFAULT_LIVE_ROWS, MAX_LIVE_ROWS, tributaryStreamOptions } from './streamOptions';
import { fakeBackendSrv, makeDataSource } from './test/grafana';
import { parseSignals, parseTopics } from './datasource';
import { DEFAULT_MAPPING } from './shared/mapping';
import type { TributaryJsonData } from './types';

function query(partial: Partial<TributaryQuery> = {}): TributaryQuery {
  return { refId: 'A', ...DEFAULT_QUERY, ...partial };
}

function request(partial: Partial<DataQueryRequest<TributaryQuery>> & { to?: 'now' | 'fixed'; windowMs?: number } = {}): DataQueryRequest<TributaryQuery> {
  const windowMs = partial.windowMs ?? 15 * 60_000;
  const to = dateTime(1_700_000_000_000);
  const range: TimeRange = {
    from: dateTime(to.valueOf() - windowMs),
    to,
    raw: { from: `now-${windowMs / 60_000}m`, to: partial.to === 'fixed' ? to.toISOString() : 'now' },
  };
  return {
    requestId: 'r1',
    interval: '1s',
    intervalMs: 1000,
    range,
    rangeRaw: range.raw,
    scopedVars: {},
    targets: [query()],
    timezone: 'utc',
    app: CoreApp.Dashboard,
    startTime: 0,
    ...partial,
  } as DataQueryRequest<TributaryQuery>;
}

describe('DataSource', () => {
  it('offers the shared default query', () => {
    expect(makeDataSource().getDefaultQuery(CoreApp.PanelEditor)).toEqual(DEFAULT_QUERY);
  });

  it('filters hidden queries out', () => {
    const ds = makeDataSource();
    expect(ds.filterQuery(query({ hide: true }))).toBe(false);
    expect(ds.filterQuery(query({ hide: false }))).toBe(true);
    expect(ds.filterQuery(query())).toBe(true);
  });

  it('applies template variables to the alias and signal, leaving numbers alone', () => {
    const seen: unknown[] = [];
    setTemplateSrv({
      replace: (text: string, scopedVars?: Record<string, { value: unknown }>) => {
        seen.push(scopedVars);
        return text.replace(/\$(\w+)/g, (_m, name: string) => String(scopedVars?.[name]?.value ?? `$${name}`));
      },
    } as unknown as TemplateSrv);
    const ds = makeDataSource();
    const scoped = { room: { text: 'kitchen', value: 'kitchen' }, shape: { text: 'square', value: 'square' } };
    const out = ds.applyTemplateVariables(query({ alias: 'temp $room', signal: '$shape' as TributaryQuery['signal'] }), scoped);
    expect(out).toEqual(query({ alias: 'temp kitchen', signal: 'square' }));
    expect(seen).toEqual([scoped, scoped]);
  });

  it('sends the interpolated query to /api/ds/query and returns static frames when not streaming', async () => {
    setTemplateSrv({ replace: (text: string) => text.replace('$room', 'hall') } as unknown as TemplateSrv);
    const backend = fakeBackendSrv(() => ({
      results: { A: { status: 200, frames: [{ schema: { refId: 'A', fields: [{ name: 'time', type: 'time' }, { name: 'v', type: 'number' }] }, data: { values: [[1, 2], [3, 4]] } }] } },
    }));
    const ds = makeDataSource();
    const rsp: DataQueryResponse = await firstValueFrom(ds.query(request({ targets: [query({ alias: 'in $room', withStreaming: false })] })));
    expect(backend.requests[0].url).toContain('/api/ds/query');
    const sent = (backend.requests[0].data as { queries: TributaryQuery[] }).queries[0];
    expect(sent).toMatchObject({ refId: 'A', alias: 'in hall', withStreaming: false, signal: DEFAULT_QUERY.signal, datasource: { uid: 'trib-uid' } });
    expect(rsp.data).toHaveLength(1);
    expect(rsp.data[0].fields[1].values).toEqual([3, 4]);
  });

  it('"Save & test" shows the backend health message, success or error', async () => {
    const backend = fakeBackendSrv(() => ({ status: 'OK', message: 'Tributary 0.1.0 (sidecar) is healthy', details: {} }));
    await expect(makeDataSource().testDatasource()).resolves.toEqual({ status: 'success', message: 'Tributary 0.1.0 (sidecar) is healthy' });
    expect(backend.requests[0].url).toBe('/api/datasources/uid/trib-uid/health');

    // Grafana answers an unhealthy check with HTTP 400 and the result as the body.
    fakeBackendSrv(() => {
      throw { status: 400, data: { status: 'ERROR', message: 'maxSeries must be between 1 and 100', details: {} } };
    });
    await expect(makeDataSource().testDatasource()).rejects.toMatchObject({ status: 'error', message: 'maxSeries must be between 1 and 100' });
  });

  it('parses the signals resource and ignores unknown entries', () => {
    expect(parseSignals([{ kind: 'sine' }, { kind: 'bogus' }, 'x'])).toEqual([SIGNALS.find((s) => s.kind === 'sine')]);
    expect(parseSignals({ signals: [{ kind: 'counter', label: 'Ticks' }] })[0]).toMatchObject({ kind: 'counter', label: 'Ticks', periodic: false });
    expect(parseSignals('nonsense')).toEqual([]);
  });

  it('fetches signals from the backend resource and falls back to the shared list on error', async () => {
    fakeBackendSrv(() => [{ kind: 'sawtooth', label: 'Saw', description: 'd', periodic: true }]);
    await expect(makeDataSource().getSignals()).resolves.toEqual([{ kind: 'sawtooth', label: 'Saw', description: 'd', periodic: true }]);
    fakeBackendSrv(() => {
      throw Object.assign(new Error('boom'), { status: 500 });
    });
    await expect(makeDataSource().getSignals()).resolves.toBe(SIGNALS);
  });
});

describe('DataSource of an MQTT source', () => {
  const mqtt = () => makeDataSource({ sourceKind: 'mqtt', mqtt: { url: 'mqtt://broker:1883' } });
  const replacing = (vars: Record<string, string>) =>
    setTemplateSrv({ replace: (text: string) => text.replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m) } as unknown as TemplateSrv);

  it('knows its source kind from the settings (signals when missing or unknown)', () => {
    expect(mqtt().sourceKind).toBe('mqtt');
    expect(makeDataSource().sourceKind).toBe('signals');
    expect(makeDataSource({ sourceKind: 'carrier-pigeon' as never }).sourceKind).toBe('signals');
  });

  it('starts a new query with an empty topic, the default mapping and streaming on', () => {
    expect(mqtt().getDefaultQuery(CoreApp.PanelEditor)).toEqual({ topic: '', mapping: DEFAULT_MAPPING, withStreaming: true });
  });

  it('replaces dashboard variables in the topic and the alias before sending', async () => {
    replacing({ site: 'plant-2', device: 'press-7' });
    const backend = fakeBackendSrv(() => ({ results: { A: { status: 200, frames: [] } } }));
    const target = { refId: 'A', topic: 'factory/$site/+/status', alias: '{{device}} at $site', mapping: DEFAULT_MAPPING, withStreaming: false } as unknown as TributaryQuery;
    await firstValueFrom(mqtt().query(request({ targets: [target] })));
    const sent = (backend.requests[0].data as { queries: TributaryQuery[] }).queries[0];
    expect(sent).toMatchObject({ topic: 'factory/plant-2/+/status', alias: '{{device}} at plant-2', mapping: DEFAULT_MAPPING });
  });

  it('offers a topic variable query: the topics resource under the (interpolated) filter, one value per topic', async () => {
    replacing({ site: 'plant-2' });
    const backend = fakeBackendSrv(() => ['factory/plant-2/a/status', 'factory/plant-2/b/status']);
    const ds = mqtt();
    expect(makeDataSource().variables).toBeUndefined();
    const support = ds.variables as unknown as { query: (r: DataQueryRequest<{ refId: string; filter: string }>) => ReturnType<typeof ds.query>; editor: unknown };
    expect(support.editor).toBeDefined();
    const rsp = await firstValueFrom(support.query({ ...request(), targets: [{ refId: 'V', filter: 'factory/$site/+/status' }] } as never));
    expect(backend.requests[0].url).toBe('/api/datasources/uid/trib-uid/resources/topics');
    expect(backend.requests[0].params).toEqual({ filter: 'factory/plant-2/+/status' });
    expect(rsp.data[0].fields[0].values).toEqual(['factory/plant-2/a/status', 'factory/plant-2/b/status']);
  });

  it('parses the topics resource, rejecting an unexpected answer', () => {
    expect(parseTopics(['a', 7, 'b', 'a'])).toEqual(['a', 'b']);
    expect(() => parseTopics({ topics: ['a'] })).toThrow('unexpected answer from the topics resource');
  });
});

describe('stream buffer options', () => {
  const frame = { refId: 'A', fields: [], length: 0 };

  it('keeps maxDataPoints rows and no time window for a fixed range', () => {
    const opts = tributaryStreamOptions(request({ to: 'fixed', maxDataPoints: 800 }), frame);
    expect(opts).toEqual({ maxLength: 800, action: 'append' });
  });

  it('defaults the row count when maxDataPoints is unknown', () => {
    expect(tributaryStreamOptions(request({ to: 'fixed' }), frame).maxLength).toBe(DEFAULT_LIVE_ROWS);
  });

  it('drops rows older than the window when the range ends at now, keeping enough rows to fill it', () => {
    // 15 min at 100 ms = 9001 samples: more than the panel's 1000 points, so the window decides.
    const opts = tributaryStreamOptions(request({ maxDataPoints: 1000, windowMs: 15 * 60_000, targets: [query({ sampleIntervalMs: 100 })] }), frame);
    expect(opts).toEqual({ maxLength: 9001, maxDelta: 15 * 60_000, action: 'append' });
  });

  it('never keeps fewer rows than maxDataPoints and never more than the ceiling', () => {
    const slow = tributaryStreamOptions(request({ maxDataPoints: 1000, windowMs: 60_000, targets: [query({ sampleIntervalMs: 1000 })] }), frame);
    expect(slow.maxLength).toBe(1000);
    const huge = tributaryStreamOptions(request({ maxDataPoints: 1000, windowMs: 24 * 3_600_000, targets: [query({ sampleIntervalMs: 10 })] }), frame);
    expect(huge.maxLength).toBe(MAX_LIVE_ROWS);
  });
});

describe('DataSource of a web source', () => {
  const replacing = (vars: Record<string, string>) =>
    setTemplateSrv({ replace: (text: string) => text.replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m) } as unknown as TemplateSrv);
  const send = async (jsonData: TributaryJsonData, target: Partial<TributaryQuery>) => {
    const backend = fakeBackendSrv(() => ({ results: { A: { status: 200, frames: [] } } }));
    await firstValueFrom(makeDataSource(jsonData).query(request({ targets: [{ refId: 'A', mapping: DEFAULT_MAPPING, withStreaming: true, ...target } as TributaryQuery] })));
    return (backend.requests[0].data as { queries: TributaryQuery[] }).queries[0];
  };

  it('replaces dashboard variables in the path and the connect message (WebSocket)', async () => {
    replacing({ symbol: 'ACME', region: 'eu' });
    const sent = await send({ sourceKind: 'websocket' }, { path: '/$region/feed', connectMessage: '{"op":"subscribe","symbols":["$symbol"]}' });
    expect(sent).toMatchObject({ path: '/eu/feed', connectMessage: '{"op":"subscribe","symbols":["ACME"]}' });
  });

  it('replaces dashboard variables in the event names (SSE) and in the path and body (HTTP polling)', async () => {
    replacing({ kind: 'metrics', station: 'harbour' });
    expect((await send({ sourceKind: 'sse' }, { events: ['$kind', 'deploy'] })).events).toEqual(['metrics', 'deploy']);
    const polled = await send({ sourceKind: 'http-poll' }, { path: '/stations/$station', method: 'POST', body: '{"station":"$station"}', pollIntervalMs: 5000 });
    expect(polled).toMatchObject({ path: '/stations/harbour', method: 'POST', body: '{"station":"harbour"}', pollIntervalMs: 5000 });
  });
});
