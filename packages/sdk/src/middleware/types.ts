/**
 * The middleware API: every gRPC call a plugin answers (QueryData, CheckHealth, RunStream, ...) passes
 * through one chain of middlewares before its handler runs, like the Go SDK's handler middlewares.
 * A middleware sees who called, can run code before and after the handler, and reads the call's
 * outcome; it never sees wire messages, so the same middleware works for every endpoint.
 */
import type { ErrorSource, Logger } from '../types';

/** The plugin's endpoints, named like the Go SDK's (`sdk.queryData` is the span of a QueryData call). */
export type Endpoint =
  | 'queryData'
  | 'queryChunkedData'
  | 'checkHealth'
  | 'callResource'
  | 'collectMetrics'
  | 'subscribeStream'
  | 'runStream'
  | 'publishStream';

/** How a call ended, like the Go SDK's request status. */
export type RequestStatus = 'ok' | 'error' | 'cancelled';

/** Who called: the ids of the request's plugin context (cheap to read, safe to log). */
export interface CallIdentity {
  pluginId: string;
  orgId: number;
  datasourceUid?: string;
  datasourceName?: string;
  /** The Grafana user's login, when the call was made for a user. */
  user?: string;
}

export interface PluginCall {
  readonly endpoint: Endpoint;
  readonly identity: CallIdentity;
  /** A gRPC metadata value Grafana sent with the call (lower-case name), e.g. `traceparent`. */
  metadata(name: string): string | undefined;
  /** Aborted when the client cancels the call or the plugin shuts down. */
  readonly signal: AbortSignal;
  /** The plugin's logger (lines logged inside the call carry its trace id when traced). */
  readonly logger: Logger;
}

/** The answer of one query of a QueryData / QueryChunkedData call. */
export interface QueryAnswer {
  refId: string;
  /** HTTP-like status (200 when it succeeded). */
  status: number;
  errorSource?: ErrorSource;
}

export interface CallResult {
  status: RequestStatus;
  /** Who is to blame when something failed; set by the error-source middleware when absent. */
  errorSource?: ErrorSource;
  /** What made the call fail: a gRPC error the handler returned, or what it threw. */
  error?: unknown;
  /** QueryData / QueryChunkedData: every query's answer. */
  queries?: QueryAnswer[];
}

/** Runs the rest of the chain and the handler. */
export type Next = () => Promise<CallResult>;

/**
 * One link of the chain. `handle` calls `next()` once (or answers without it) and returns the
 * result, changed or not. A thrown error or rejected promise counts as the handler failing: the
 * recovery middleware turns it into an error answer for that call only.
 */
export interface Middleware {
  /** Shown in logs when this middleware fails. */
  readonly name: string;
  handle(call: PluginCall, next: Next): Promise<CallResult>;
}
