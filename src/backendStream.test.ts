/**
 * The whole in-process loop with our real backend datasource: the query the frontend sends to
 * /api/ds/query is decoded and answered by the backend's TributaryInstance (frames encoded to frame
 * JSON as Grafana relays them); @grafana/runtime sees `meta.channel` and asks Live for a stream; the
 * fake Live transport does what Grafana does for that channel — SubscribeStream's schema first, then
 * every RunStream packet — into @grafana/data's StreamingDataFrame. The merged series must be the
 * QueryData history followed by the streamed samples, with no gap in the schema.
 */
import './test/domPolyfills';
import { LoadingState, type DataFrameJSON, type DataQueryResponse } from '@grafana/data';
import { setTemplateSrv, type BackendSrvRequest, type TemplateSrv } from '@grafana/runtime';

import { tributaryPlugin } from '../backend/src/datasource';
import { factoryContext, instanceSettings as backendSettings, requestContext, streamRequest } from '../backend/src/datasource/testSupport';
import { checkFrame, frameToJSON, type CheckedFrame, type Frame } from '@tributary/grafana-backend-sdk/frames';
import { isEncodedFrame, type EncodedFrame } from '@tributary/grafana-backend-sdk';
import { RecordingSender } from '@tributary/grafana-backend-sdk/testing';
import type { DataSourceInstance } from '@tributary/grafana-backend-sdk';
import type { TributaryQuery } from './shared/query';
import { fakeBackendSrv, makeDataSource } from './test/grafana';
import { dashboardRequest, fakeLive, type FakeLiveStream } from './test/live';

const UID = 'trib-uid';
const PACKETS = 3;

/** Answers /api/ds/query the way Grafana does with our backend behind it. */
async function queryBackend(instance: DataSourceInstance<TributaryQuery>, req: BackendSrvRequest) {
  const body = req.data as { queries: Array<Record<string, unknown>>; from: string; to: string };
  const results: Record<string, unknown> = {};
  for (const q of body.queries) {
    const refId = String(q.refId);
    const dataQuery = {
      refId,
      queryType: '',
      maxDataPoints: Number(q.maxDataPoints),
      intervalMS: Number(q.intervalMs),
      timeRange: { from: Number(body.from), to: Number(body.to) },
      json: new TextEncoder().encode(JSON.stringify(q)),
    };
    const model = instance.decodeQuery!(JSON.parse(JSON.stringify(q)), dataQuery);
    const rsp = await instance.query!({ ...dataQuery, model }, requestContext());
    results[refId] = { status: rsp.status ?? 200, frames: (rsp.frames ?? []).map((f) => JSON.parse(frameToJSON(inlineFrame(f)))) };
  }
  return { results };
}

/** No worker pool in this test: the datasource computes its frames inline. */
function inlineFrame(frame: Frame | EncodedFrame): CheckedFrame {
  if (isEncodedFrame(frame)) throw new Error('expected a frame computed inline');
  return checkFrame(frame);
}

describe('frontend ↔ our backend datasource over the Live path', () => {
  it('streams the backend’s packets on after its QueryData history', async () => {
    setTemplateSrv({ replace: (text: string) => text } as unknown as TemplateSrv);
    const instance = (await tributaryPlugin.newInstance(backendSettings({ maxPacketsPerSecond: 50 }, UID), factoryContext())) as DataSourceInstance<TributaryQuery>;
    let historyJSON: DataFrameJSON | undefined;
    fakeBackendSrv((req) =>
      queryBackend(instance, req).then((r) => {
        // A private copy: the live buffer takes over (and mutates) the arrays of the frame it is seeded with.
        historyJSON = JSON.parse(JSON.stringify((Object.values(r.results)[0] as { frames: DataFrameJSON[] }).frames[0]));
        return r;
      })
    );

    const abort = new AbortController();
    const sender = new RecordingSender();
    let stream: FakeLiveStream | undefined;
    let runStream: Promise<void> | undefined;
    let failEarly: (error: Error) => void = () => undefined;
    const enoughPackets = new Promise<void>((resolve, reject) => {
      failEarly = reject;
      fakeLive((opened) => {
        stream = opened;
        const path = opened.options.addr.path;
        // Grafana: SubscribeStream for this subscriber, its initial data pushed like a message …
        const sub = instance.subscribeStream!(streamRequest(path), requestContext()) as { status: string; initialData?: Frame; initialDataInclude?: 'schema' };
        expect(sub.status).toBe('ok');
        opened.buffer.push(JSON.parse(frameToJSON(checkFrame(sub.initialData!), sub.initialDataInclude)) as DataFrameJSON);
        // … then one RunStream whose packets are published to the channel.
        sender.onPacket = (bytes) => {
          opened.push(new TextDecoder().decode(bytes));
          if (sender.packets.length + 1 >= PACKETS) {
            resolve();
          }
        };
        runStream = instance.runStream!(streamRequest(path), sender, requestContext(abort.signal));
      });
    });

    // Grafana's panel interval (1 s) is stamped into every query's `intervalMs`; the query's own is 50 ms.
    const request = dashboardRequest(
      { signal: 'sine', seriesCount: 2, sampleIntervalMs: 50, withStreaming: true },
      { toMs: Date.now(), windowMs: 10_000, intervalMs: 1000, maxDataPoints: 500 },
    );
    const seen: DataQueryResponse[] = [];
    const subscription = makeDataSource()
      .query(request)
      .subscribe({
        next: (r) => {
          seen.push(r);
          if (r.state !== LoadingState.Streaming) {
            failEarly(new Error(`the query did not turn into a stream: ${JSON.stringify(r.errors ?? r.error ?? r.data)}`));
          }
        },
        error: (e) => failEarly(e instanceof Error ? e : new Error(String(e))),
      });
    await enoughPackets;
    abort.abort();
    await runStream;
    subscription.unsubscribe();

    // The stream request names the channel our backend put into meta.channel.
    expect(historyJSON?.schema?.meta?.channel).toBe(`ds/${UID}/${stream!.options.addr.path}`);
    expect(stream!.options.addr).toMatchObject({ scope: 'ds', stream: UID });
    // The query's own sample interval reached the backend, not the panel's 1 s.
    expect(stream!.options.addr.path).toContain('/i=50/');

    // Merged = history rows, then the streamed rows, same fields throughout.
    const history = historyJSON!.data!.values as number[][];
    expect(history[0][1] - history[0][0]).toBe(50);
    // Packets are frame JSON: a schema when the hub (re)starts, data rows otherwise (or both).
    const packets = sender.json() as DataFrameJSON[];
    for (const packet of packets.filter((p) => p.schema)) {
      expect(packet.schema!.fields.map((f) => f.name)).toEqual(historyJSON!.schema!.fields.map((f) => f.name));
    }
    const streamed = packets.filter((p) => p.data).map((p) => p.data!.values as number[][]);
    expect(streamed.length).toBeGreaterThan(0);
    const merged = stream!.buffer;
    expect(merged.fields.map((f) => f.name)).toEqual(historyJSON!.schema!.fields.map((f) => f.name));
    expect(merged.fields).toHaveLength(3);
    for (let col = 0; col < merged.fields.length; col++) {
      const expected = [...history[col], ...streamed.flatMap((packet) => packet[col])];
      expect(merged.fields[col].values).toEqual(expected.slice(-merged.length));
    }
    const times = merged.fields[0].values as number[];
    for (let i = 1; i < times.length; i++) {
      expect(times[i]).toBeGreaterThan(times[i - 1]);
    }
    expect(times[times.length - 1]).toBeGreaterThan(history[0][history[0].length - 1]);
    expect(seen.at(-1)?.state).toBe(LoadingState.Streaming);
  }, 20_000);
});
