/**
 * The public, typed handler API of the backend SDK ("a Grafana backend SDK for Node").
 * A plugin implements only the capabilities it needs; the SDK answers the rest the way the Go SDK does.
 * Nothing here knows about any particular plugin.
 *
 * Shape: `serve({ pluginId, newInstance })`. The SDK keeps one instance per datasource uid
 * (re-created when its settings change), decodes requests, and calls the instance's handlers.
 */
import type { Registry } from 'prom-client';
import type { Frame, FrameInclude } from './frames/model';
import { errorSourceForStatus } from './middleware/error-source';
import type { Middleware } from './middleware/types';
import type { EncodedFrame } from './workers/encoded-frame';
import type { FrameTask, FrameTaskRunner } from './workers/frame-task';

// ---------------------------------------------------------------- request context

export interface User {
  login: string;
  name: string;
  email: string;
  role: string;
}

/** Datasource settings as Grafana sends them, with jsonData already parsed. */
export interface DataSourceInstanceSettings {
  /** Deprecated numeric id. */
  id: number;
  uid: string;
  name: string;
  url: string;
  user: string;
  database: string;
  basicAuthEnabled: boolean;
  basicAuthUser: string;
  /** Parsed jsonData (`{}` when empty). Raw bytes that are not a JSON object make instance creation fail. */
  jsonData: Record<string, unknown>;
  /** Decrypted secure JSON data. Never log these values. */
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: number;
  apiVersion: string;
}

export interface PluginContext {
  orgId: number;
  pluginId: string;
  user?: User;
  dataSourceInstanceSettings?: DataSourceInstanceSettings;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
  userAgent: string;
  apiVersion: string;
  namespace: string;
}

export type RunMode = 'managed' | 'sidecar';

/** What every handler receives besides its request. */
export interface RequestContext {
  pluginContext: PluginContext;
  /** Aborted when Grafana cancels the call (or the connection goes away). */
  signal: AbortSignal;
  logger: Logger;
  /** How this backend process was started. */
  runMode: RunMode;
  /**
   * Request headers Grafana forwarded (QueryData, CheckHealth): `http_`-prefixed HTTP headers such as
   * `http_Authorization`, plus `FromAlert` for alert queries. Empty for other calls.
   */
  headers?: Record<string, string>;
  /**
   * Set by the SDK on QueryData calls: runs frame tasks in the query worker pool when the query's
   * declared cost makes that worthwhile. Use `runFrameTask(ctx, task, input)`, which falls back to
   * running the task inline where this is absent.
   */
  frameTasks?: FrameTaskRunner;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry these extra key/values. */
  with(fields: Record<string, unknown>): Logger;
}

// ---------------------------------------------------------------- query data

export interface TimeRange {
  /** Epoch milliseconds. */
  from: number;
  to: number;
}

/** One query of a QueryData request, as Grafana sent it. */
export interface DataQuery {
  refId: string;
  queryType: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange: TimeRange;
  /** The query model JSON from the frontend, not yet parsed. */
  json: Uint8Array;
}

/** A query after the plugin's `decodeQuery` accepted it. */
export interface TypedDataQuery<Q> extends DataQuery {
  model: Q;
}

export type ErrorSource = 'plugin' | 'downstream';

/** The answer for one refId. `status` defaults to 200 without error, 500 with one. */
export interface DataResponse {
  /** Frames to send; frames a frame task built in a worker arrive already encoded and pass through. */
  frames?: Array<Frame | EncodedFrame>;
  error?: string;
  status?: number;
  errorSource?: ErrorSource;
}

export type DataFrameFormat = 'arrow' | 'json';

/**
 * What one query will produce, declared before it runs (`DataSourceInstance.queryCost`): the SDK
 * refuses what cannot fit in a response or in the process-wide memory budget before computing it,
 * and runs heavy frame tasks off the event loop. Give points (float64 values; the SDK assumes 16
 * bytes each in Arrow and 40 in JSON) or, when you know better, the encoded bytes in the format asked.
 */
export interface QueryCost {
  points?: number;
  bytes?: number;
}

export interface QueryDataRequest {
  pluginContext: PluginContext;
  headers: Record<string, string>;
  queries: DataQuery[];
  /** What Grafana asked for; the SDK encodes frames accordingly. */
  format: DataFrameFormat;
}

/**
 * Throw from `decodeQuery` or `query` to fail one refId with a chosen HTTP-like status.
 * Without a source, the status decides as in the Go SDK: a 4xx is the user's (`downstream`) except the
 * few that point at the plugin (405, 406, 412, 413, 414, 416, 417, 426, 431), a 5xx is the plugin's.
 * Any other thrown error becomes status 500 with source "plugin".
 */
export class QueryError extends Error {
  readonly source: ErrorSource;

  constructor(
    message: string,
    readonly status: number = 400,
    source?: ErrorSource,
  ) {
    super(message);
    this.name = 'QueryError';
    this.source = source ?? errorSourceForStatus(status);
  }
}

// ---------------------------------------------------------------- health

export type HealthStatus = 'ok' | 'error' | 'unknown';

export interface CheckHealthResult {
  status: HealthStatus;
  message: string;
  /** Must be a JSON object: Grafana shows it as the health check's details. */
  details?: Record<string, unknown>;
}

// ---------------------------------------------------------------- resources

export interface CallResourceRequest {
  pluginContext: PluginContext;
  /** Sub-path after `/resources/`, no leading slash. */
  path: string;
  method: string;
  /** Relative URL including the query string. */
  url: string;
  headers: Record<string, string[]>;
  body: Uint8Array;
}

/** Streams an HTTP-like answer: status and headers first, then body chunks. */
export interface ResourceResponseWriter {
  /** Sends status and headers. Called implicitly with 200 by the first `write`/`end` if not called. */
  writeHead(status: number, headers?: Record<string, string | string[]>): void;
  write(chunk: Uint8Array | string): void;
  end(chunk?: Uint8Array | string): void;
  /** Convenience: status, `Content-Type: application/json`, body = JSON.stringify(value). */
  json(status: number, value: unknown): void;
}

// ---------------------------------------------------------------- streams

export interface StreamRequest {
  pluginContext: PluginContext;
  /** The path part of the channel `ds/<uid>/<path>`. */
  path: string;
  /** Optional payload from the subscriber/publisher (JSON bytes, may be empty). */
  data: Uint8Array;
  headers: Record<string, string>;
}

export type SubscribeStreamRequest = StreamRequest;
export type RunStreamRequest = StreamRequest;
export type PublishStreamRequest = StreamRequest;

export type StreamStatus = 'ok' | 'notFound' | 'permissionDenied';

export interface SubscribeStreamResult {
  status: StreamStatus;
  /** Initial data for the subscriber: a frame (encoded as frame JSON with `initialDataInclude`) or raw JSON. */
  initialData?: Frame | Uint8Array | string;
  /** How an initial frame is encoded; default 'all'. */
  initialDataInclude?: FrameInclude;
}

export interface PublishStreamResult {
  status: StreamStatus;
  /** JSON to publish; empty publishes nothing. */
  data?: Uint8Array | string;
}

/**
 * Sends packets on a RunStream. Every packet is valid JSON (Grafana rejects anything else).
 * Writes never block; the boolean result says whether the transport still has room. When it returns
 * false, wait for `drained()` before sending more or apply your own drop policy.
 */
export interface StreamSender {
  sendFrame(frame: Frame, include?: FrameInclude): boolean;
  /** Validated: throws on invalid JSON. */
  sendJSON(json: Uint8Array | string): boolean;
  /** Unchecked: the caller guarantees valid JSON. */
  sendBytes(bytes: Uint8Array): boolean;
  /** Resolves when the transport can take more (at once if it can); rejects if the stream ended. */
  drained(): Promise<void>;
  /** True once the call is cancelled or the peer went away. */
  readonly closed: boolean;
}

// ---------------------------------------------------------------- the plugin

/** A datasource instance: one per datasource uid, re-created when its settings change. */
export interface DataSourceInstance<Q = unknown> {
  /**
   * Parse and validate one query's JSON (already `JSON.parse`d; malformed JSON never gets here).
   * Throw a QueryError (or any Error → 400) to fail only that refId.
   */
  decodeQuery?(json: unknown, query: DataQuery): Q;
  /**
   * Declare what a decoded query will cost (see QueryCost). Called before any query of the request
   * runs; must be cheap and must not throw. Without it, queries are admitted unconditionally.
   */
  queryCost?(query: TypedDataQuery<Q>, format: DataFrameFormat): QueryCost | undefined;
  /** Answer one query; the SDK runs the queries of a request concurrently and isolates failures. */
  query?(query: TypedDataQuery<Q>, ctx: RequestContext): Promise<DataResponse> | DataResponse;
  /**
   * Answer every admitted query of a request in one call, for datasources that batch (one upstream
   * request for many panels' queries). When present it is used instead of `query`. Return one answer
   * per refId; a refId left out gets a 500, and a throw fails every refId (a QueryError with its
   * status). Frames built here should carry their refId. Decoding, cost and admission happen first,
   * per query, as for `query`.
   */
  queryData?(queries: TypedDataQuery<Q>[], ctx: RequestContext): Promise<Record<string, DataResponse>> | Record<string, DataResponse>;
  checkHealth?(ctx: RequestContext): Promise<CheckHealthResult> | CheckHealthResult;
  callResource?(req: CallResourceRequest, res: ResourceResponseWriter, ctx: RequestContext): Promise<void> | void;
  subscribeStream?(req: SubscribeStreamRequest, ctx: RequestContext): Promise<SubscribeStreamResult> | SubscribeStreamResult;
  /** Runs until `ctx.signal` aborts. Returning (or throwing) ends the stream; Grafana may restart it. */
  runStream?(req: RunStreamRequest, sender: StreamSender, ctx: RequestContext): Promise<void>;
  publishStream?(req: PublishStreamRequest, ctx: RequestContext): Promise<PublishStreamResult> | PublishStreamResult;
  /** Called when the instance is replaced (after in-flight work) or the process stops. */
  dispose?(): Promise<void> | void;
}

/**
 * Thrown by `newInstance` when the datasource settings are invalid. The SDK then answers CheckHealth with
 * ERROR and this message, every query with status 400 and this message, and SubscribeStream with
 * PERMISSION_DENIED.
 */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

export interface InstanceFactoryContext {
  logger: Logger;
  runMode: RunMode;
  /** The registry CollectMetrics exposes; register the plugin's own metrics here. */
  metrics: Registry;
}

/** Datasource settings with the plugin's own decoded configuration (`PluginDefinition.decodeSettings`). */
export interface TypedInstanceSettings<S> extends DataSourceInstanceSettings {
  config: S;
}

export interface PluginDefinition<Q = unknown, S = Record<string, unknown>> {
  /** plugin.json id, e.g. `myorg-streaming-datasource`. */
  pluginId: string;
  /** Reported in logs and available to health checks. */
  version: string;
  /**
   * Decodes and validates a datasource's settings (jsonData and decrypted secure data) into the
   * plugin's own type, once per settings version, before `newInstance`. Throw a SettingsError that
   * says what to fix: CheckHealth shows it, queries answer 400 with it, subscriptions are denied.
   * Without it, `config` is the parsed jsonData.
   */
  decodeSettings?(settings: DataSourceInstanceSettings): S;
  newInstance(
    settings: TypedInstanceSettings<S>,
    ctx: InstanceFactoryContext,
  ): DataSourceInstance<Q> | Promise<DataSourceInstance<Q>>;
  /**
   * Frame tasks (`defineFrameTask`) that queries may hand to the SDK's worker threads with
   * `runFrameTask`. Worker threads start the same entry script, so it must call `serve()` with this
   * same definition.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each task has its own input type
  frameTasks?: ReadonlyArray<FrameTask<any>>;
  /** Prefix of the per-query counter `<prefix>_queries_total{status}` (default `plugin`). */
  metricsNamespace?: string;
  /**
   * The plugin's middlewares around every call, first = outermost; they run inside the SDK's own
   * (tracing, logging, metrics, error source, recovery) and before `serve({ middleware })`'s.
   */
  middleware?: Middleware[];
}
