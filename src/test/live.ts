/**
 * Test helpers for Grafana's streaming path in the browser half: a stand-in for Grafana Live's
 * transport (set at the official setter) that buffers like Grafana's LiveDataStream, and the
 * dashboard query request that goes through DataSourceWithBackend.
 */
import { CoreApp, LoadingState, StreamingDataFrame, dateTime, type DataFrameJSON, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { setGrafanaLiveSrv, type GrafanaLiveSrv, type LiveDataStreamOptions } from '@grafana/runtime';
import { Subject, type Observable } from 'rxjs';

import { DEFAULT_QUERY, type TributaryQuery } from '../shared/query';

/** One data stream the frontend asked Live for. */
export interface FakeLiveStream {
  options: LiveDataStreamOptions;
  /** Seeded with the QueryData frame and grown by every pushed packet, as Grafana does. */
  buffer: StreamingDataFrame;
  /** Delivers one stream packet (frame JSON text) to the subscriber. */
  push(packetJSON: string): void;
}

/**
 * Replaces Grafana Live's transport: records every data-stream request and lets the test push
 * packets. `onOpen` runs as each stream opens (e.g. to start a backend stream feeding it).
 */
export function fakeLive(onOpen: (stream: FakeLiveStream) => void = () => undefined) {
  const streams: FakeLiveStream[] = [];
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  const live: Partial<GrafanaLiveSrv> = {
    getDataStream(options: LiveDataStreamOptions): Observable<DataQueryResponse> {
      const buffer = StreamingDataFrame.fromDataFrameJSON(options.frame ?? {}, options.buffer);
      const emitted = new Subject<DataQueryResponse>();
      const stream: FakeLiveStream = {
        options,
        buffer,
        push: (packetJSON) => {
          buffer.push(JSON.parse(packetJSON) as DataFrameJSON);
          emitted.next({ key: options.key, state: LoadingState.Streaming, data: [buffer] });
        },
      };
      streams.push(stream);
      onOpen(stream);
      markOpened();
      return emitted.asObservable();
    },
  };
  setGrafanaLiveSrv(live as GrafanaLiveSrv);
  return {
    streams,
    /** The request of every stream opened so far. */
    get requests(): LiveDataStreamOptions[] {
      return streams.map((s) => s.options);
    },
    push: (index: number, packetJSON: string) => streams[index].push(packetJSON),
    /** Resolves when the first stream opens. */
    opened,
  };
}

export interface DashboardRequestOptions {
  /** End of the time range (epoch ms); the range ends "now" as far as Grafana is concerned. */
  toMs: number;
  /** Length of the time range, in ms, written as `now-<n>s` in the raw range. */
  windowMs: number;
  /** The panel's interval (DataSourceWithBackend stamps it into every query's `intervalMs`). */
  intervalMs: number;
  maxDataPoints: number;
}

/** A dashboard panel's query request for one Tributary target on top of the default query. */
export function dashboardRequest(target: Partial<TributaryQuery>, options: DashboardRequestOptions): DataQueryRequest<TributaryQuery> {
  const to = dateTime(options.toMs);
  const rawRange = { from: `now-${options.windowMs / 1000}s`, to: 'now' };
  return {
    requestId: 'q1',
    interval: options.intervalMs >= 1000 ? `${options.intervalMs / 1000}s` : `${options.intervalMs}ms`,
    intervalMs: options.intervalMs,
    maxDataPoints: options.maxDataPoints,
    range: { from: dateTime(options.toMs - options.windowMs), to, raw: rawRange },
    rangeRaw: rawRange,
    scopedVars: {},
    targets: [{ refId: 'A', ...DEFAULT_QUERY, ...target }],
    timezone: 'utc',
    app: CoreApp.Dashboard,
    startTime: 0,
  };
}
