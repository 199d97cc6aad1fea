/**
 * Grafana's own streaming path, end to end in the browser half: a QueryData response whose frame
 * carries `meta.channel` (frame JSON written by our backend's encoder, exactly what Grafana's
 * /api/ds/query relays) goes through @grafana/runtime's DataSourceWithBackend + toDataQueryResponse,
 * which must ask Grafana Live for a data stream on that channel. Only the Live transport is faked:
 * it buffers with @grafana/data's StreamingDataFrame, as Grafana's LiveDataStream does, and we push
 * stream packets encoded by our backend (schema once, then data-only packets).
 */
import './test/domPolyfills';
import { LiveChannelScope, LoadingState, type DataQueryResponse, type StreamingDataFrame } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { lastValueFrom, toArray } from 'rxjs';

import { checkFrame, frame, frameToJSON, numberField, timeField, type CheckedFrame, type Frame } from '@tributary/grafana-backend-sdk/frames';
import type { TributaryQuery } from './shared/query';
import { fakeBackendSrv, makeDataSource } from './test/grafana';
import { dashboardRequest, fakeLive } from './test/live';

const UID = 'trib-uid';
const PATH = 'v1/sine/n=2/i=100/a=10/o=0/p=10000';
const CHANNEL = `ds/${UID}/${PATH}`;
const T0 = 1_700_000_000_000;

/** The frame shape our backend sends: a time field and one float64 field per series. */
function signalFrame(times: number[], series: number[][], meta?: Frame['meta']): CheckedFrame {
  return checkFrame(
    frame({
      refId: 'A',
      meta,
      fields: [timeField('time', times), ...series.map((values, i) => numberField(`sine-${i + 1}`, values))],
    }),
  );
}

/** A live dashboard request: the last minute at a 100 ms panel interval. */
function liveRequest(target: Partial<TributaryQuery>) {
  return dashboardRequest({ seriesCount: 2, sampleIntervalMs: 100, ...target }, { toMs: T0 + 1000, windowMs: 60_000, intervalMs: 100, maxDataPoints: 300 });
}

describe('streaming through Grafana Live (meta.channel)', () => {
  beforeEach(() => {
    setTemplateSrv({ replace: (text: string) => text } as unknown as TemplateSrv);
  });

  it('subscribes to the channel from QueryData and merges our stream packets into the series', async () => {
    // History as QueryData returns it: 3 rows with the channel in meta.
    const history = signalFrame([T0 - 200, T0 - 100, T0], [[1, 2, 3], [10, 20, 30]], { channel: CHANNEL });
    fakeBackendSrv(() => ({ results: { A: { status: 200, frames: [JSON.parse(frameToJSON(history))] } } }));
    const live = fakeLive();

    const ds = makeDataSource();
    const received: DataQueryResponse[] = [];
    const sub = ds.query(liveRequest({ withStreaming: true })).subscribe((r) => received.push(r));
    await live.opened;

    // DataSourceWithBackend asked Live for exactly our channel, seeded with the history frame.
    expect(live.requests).toHaveLength(1);
    const req = live.requests[0];
    expect(req.addr).toEqual({ scope: LiveChannelScope.DataSource, stream: UID, path: PATH });
    expect(req.frame?.schema?.meta?.channel).toBe(CHANNEL);
    // Buffer sized by our provider: 60 s window at 100 ms = 601 rows (> maxDataPoints 300), rows older than 60 s dropped.
    expect(req.buffer).toEqual({ maxLength: 601, maxDelta: 60_000, action: 'append' });

    // Our backend's stream: data-only packets after the schema (what SubscribeStream already sent).
    live.push(0, frameToJSON(signalFrame([T0 + 100, T0 + 200], [[4, 5], [40, 50]]), 'data'));
    live.push(0, frameToJSON(signalFrame([T0 + 300], [[6], [60]]), 'data'));

    const last = received.at(-1)!;
    expect(last.state).toBe(LoadingState.Streaming);
    const merged = last.data[0] as StreamingDataFrame;
    expect(merged.fields.map((f) => f.name)).toEqual(['time', 'sine-1', 'sine-2']);
    expect(merged.fields[0].values).toEqual([T0 - 200, T0 - 100, T0, T0 + 100, T0 + 200, T0 + 300]);
    expect(merged.fields[1].values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(merged.fields[2].values).toEqual([10, 20, 30, 40, 50, 60]);
    sub.unsubscribe();
  });

  it('keeps only the rows inside the time window as the stream moves on', async () => {
    const history = signalFrame([T0 - 50_000, T0 - 10_000, T0], [[1, 2, 3], [1, 2, 3]], { channel: CHANNEL });
    fakeBackendSrv(() => ({ results: { A: { status: 200, frames: [JSON.parse(frameToJSON(history))] } } }));
    const live = fakeLive();
    const received: DataQueryResponse[] = [];
    const sub = makeDataSource().query(liveRequest({})).subscribe((r) => received.push(r));
    await live.opened;

    // 45 s later the window starts at T0-15s: the row at T0-50s is outside it and goes
    // (Grafana trims at the row closest to the window start).
    live.push(0, frameToJSON(signalFrame([T0 + 45_000], [[4], [4]]), 'data'));
    const merged = received.at(-1)!.data[0] as StreamingDataFrame;
    expect(merged.fields[0].values).toEqual([T0 - 10_000, T0, T0 + 45_000]);
    expect(merged.fields[1].values).toEqual([2, 3, 4]);
    sub.unsubscribe();
  });

  it('picks up a schema packet (e.g. after an alias change on the same buffer) and keeps values by name', async () => {
    const history = signalFrame([T0], [[1], [10]], { channel: CHANNEL });
    fakeBackendSrv(() => ({ results: { A: { status: 200, frames: [JSON.parse(frameToJSON(history))] } } }));
    const live = fakeLive();
    const received: DataQueryResponse[] = [];
    const sub = makeDataSource().query(liveRequest({})).subscribe((r) => received.push(r));
    await live.opened;

    live.push(0, frameToJSON(signalFrame([T0 + 100], [[2], [20]]), 'all'));
    const merged = received.at(-1)!.data[0] as StreamingDataFrame;
    expect(merged.fields[1].values).toEqual([1, 2]);
    expect(merged.fields[2].values).toEqual([10, 20]);
    sub.unsubscribe();
  });

  it('does not open a stream when the response has no channel', async () => {
    const history = signalFrame([T0], [[1], [10]]);
    fakeBackendSrv(() => ({ results: { A: { status: 200, frames: [JSON.parse(frameToJSON(history))] } } }));
    const live = fakeLive();
    const received = await lastValueFrom(makeDataSource().query(liveRequest({ withStreaming: false })).pipe(toArray()));
    expect(live.requests).toHaveLength(0);
    expect(received).toHaveLength(1);
    expect(received[0].data[0].fields[1].values).toEqual([1]);
  });
});
