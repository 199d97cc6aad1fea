/** What every handler adapter needs, plus the helpers they share (context decoding, call tracking). */
import type * as grpc from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import type { CallKind, CallTracker } from '../host/calls';
import type { HclogLogger } from '../log/logger';
import type { SdkMetrics } from '../metrics/sdk-metrics';
import type { Chain } from '../middleware/chain';
import type { CallIdentity, CallResult, Endpoint, PluginCall, QueryAnswer } from '../middleware/types';
import { InstanceLimitError, InstanceManager, MissingSettingsError, type InstanceLease } from '../instances/manager';
import {
  SettingsError,
  type PluginContext,
  type PluginDefinition,
  type RequestContext,
  type RunMode,
} from '../types';
import { decodePluginContext, type WirePluginContext } from '../wire/convert';
import type { MemoryBudget } from '../admission/memory-budget';
import type { FrameWorkerPool } from '../workers/pool';
import { grpcError, pluginFailure, type GrpcError } from '../wire/grpc-error';

export interface HandlerRuntime {
  definition: PluginDefinition<unknown, unknown>;
  instances: InstanceManager;
  logger: HclogLogger;
  runMode: RunMode;
  metrics: SdkMetrics;
  calls: CallTracker;
  /** Largest QueryData response (one gRPC message) we send; bigger answers are cut per refId. */
  maxResponseBytes: number;
  /** Process-wide budget for the estimated bytes of QueryData work in flight. */
  memory: MemoryBudget;
  /** Worker threads for frame tasks; absent = every task runs inline. */
  frameWorkers?: FrameWorkerPool;
  /** Frame tasks of queries estimated below this many bytes run inline (a thread hop costs more). */
  inlineBelowBytes: number;
  /** The middlewares every call passes through (built-in and the plugin's). */
  chain: Chain;
}

export type InstanceResult =
  | { ok: true; lease: InstanceLease; pluginContext: PluginContext }
  | { ok: false; settingsError: SettingsError; pluginContext: PluginContext };

/**
 * Finds the datasource instance for a request. A SettingsError is returned (callers report it their
 * way); missing settings and other factory failures are thrown as gRPC errors.
 */
export async function resolveInstance(rt: HandlerRuntime, wire: WirePluginContext | null | undefined): Promise<InstanceResult> {
  try {
    const lease = await rt.instances.acquire(wire?.dataSourceInstanceSettings, wire?.grafanaConfig);
    return { ok: true, lease, pluginContext: decodePluginContext(wire, lease.settings) };
  } catch (err) {
    if (err instanceof SettingsError) {
      return { ok: false, settingsError: err, pluginContext: decodePluginContext(wire) };
    }
    if (err instanceof MissingSettingsError) {
      throw grpcError(3 /* INVALID_ARGUMENT */, err.message, 'plugin');
    }
    if (err instanceof InstanceLimitError) {
      throw grpcError(8 /* RESOURCE_EXHAUSTED */, err.message, 'plugin');
    }
    throw pluginFailure('creating the datasource instance', err);
  }
}

/** The abort reason of a call its client cancelled (other reasons come from the plugin: shutdown). */
export const CLIENT_CANCELLED = 'the call was cancelled by the client';

type CancellableCall = EventEmitter & {
  cancelled?: boolean;
  destroyed?: boolean;
  metadata?: grpc.Metadata;
  request?: { pluginContext?: WirePluginContext | null } | unknown;
};

export interface ActiveCall {
  readonly signal: AbortSignal;
  /** QueryData / QueryChunkedData: each query's answer, reported to the middlewares. */
  queries?: QueryAnswer[];
  /**
   * Runs the handler's work through the middleware chain; resolves with the call's outcome and never
   * rejects. A gRPC error the work throws is that call's answer; anything else it throws is an
   * exception the recovery middleware turns into an error answer.
   */
  run(work: () => Promise<void>): Promise<CallResult>;
}

function identityOf(wire: WirePluginContext | null | undefined): CallIdentity {
  const ds = wire?.dataSourceInstanceSettings;
  return {
    pluginId: wire?.pluginId ?? '',
    orgId: Number(wire?.orgId ?? 0),
    datasourceUid: ds?.uid || undefined,
    datasourceName: ds?.name || undefined,
    user: wire?.user?.login || undefined,
  };
}

/** A call's outcome from its queries, like the Go SDK: any failed query makes the request an error. */
function outcomeOf(queries: QueryAnswer[] | undefined): CallResult {
  const failed = queries?.filter((q) => q.status >= 400) ?? [];
  if (!failed.length) return { status: 'ok', queries };
  return { status: failed.every((q) => q.status === 499) ? 'cancelled' : 'error', queries };
}

/**
 * Registers a call for draining; gRPC cancellation aborts its signal. Besides grpc-js's 'cancelled',
 * a server stream that closes (destroyed by a reset or a dropped connection) before the handler
 * finished counts as cancelled, and so does one that is already cancelled or destroyed when the
 * handler starts: a call that cannot deliver anything any more must not keep its work running.
 */
export function trackCall(rt: HandlerRuntime, endpoint: Endpoint, kind: CallKind, call: CancellableCall): ActiveCall {
  const tracked = rt.calls.begin(kind);
  const onCancel = (): void => tracked.abort(CLIENT_CANCELLED);
  call.on('cancelled', onCancel);
  call.on('close', onCancel);
  if (call.cancelled || call.destroyed) onCancel();
  const request = call.request as { pluginContext?: WirePluginContext | null } | undefined;
  const pluginCall: PluginCall = {
    endpoint,
    identity: identityOf(request?.pluginContext),
    metadata: (name) => {
      const value = call.metadata?.get(name)[0];
      return value === undefined ? undefined : String(value);
    },
    signal: tracked.signal,
    logger: rt.logger,
  };
  const active: ActiveCall = {
    signal: tracked.signal,
    run: (work) => {
      const handler = async (): Promise<CallResult> => {
        try {
          await work();
        } catch (err) {
          if (isGrpcError(err)) return { status: call.cancelled ? 'cancelled' : 'error', error: err, queries: active.queries };
          // Thrown because the call was aborted (an AbortError): a stream simply ended, a unary call failed.
          if (tracked.signal.aborted) {
            if (call.cancelled) return { status: 'cancelled', error: kind === 'stream' ? undefined : err };
            return kind === 'stream' ? { status: 'ok' } : { status: 'error', error: err };
          }
          throw err;
        }
        return call.cancelled ? { status: 'cancelled', queries: active.queries } : outcomeOf(active.queries);
      };
      return rt.chain(pluginCall, handler)
        .catch((err: unknown): CallResult => {
          // Only a middleware outside the recovery middleware gets here.
          rt.logger.error(`${endpoint}: a middleware failed`, { error: err, stack: (err as Error)?.stack });
          return { status: 'error', error: err, errorSource: 'plugin' };
        })
        .finally(() => {
          call.removeListener('cancelled', onCancel);
          call.removeListener('close', onCancel);
          tracked.end();
        });
    },
  };
  return active;
}

/** The gRPC error a failed call answers with: its own, or a plugin failure naming `method`. */
export function callError(result: CallResult, method: string): GrpcError {
  return isGrpcError(result.error) ? result.error : pluginFailure(method, result.error ?? 'the request failed');
}

export function requestContext(
  rt: HandlerRuntime,
  pluginContext: PluginContext,
  signal: AbortSignal,
  fields: Record<string, unknown>,
  headers: Record<string, string> = {},
): RequestContext {
  const ds = pluginContext.dataSourceInstanceSettings;
  return {
    pluginContext,
    signal,
    headers,
    runMode: rt.runMode,
    logger: rt.logger.with({ ...(ds?.uid ? { datasourceUid: ds.uid } : {}), ...fields }),
  };
}

/** Adapts an async unary handler to grpc-js: tracking, the middleware chain, error mapping. */
export function unaryHandler<Req, Res>(
  rt: HandlerRuntime,
  endpoint: Endpoint,
  method: string,
  body: (request: Req, signal: AbortSignal, active: ActiveCall) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const active = trackCall(rt, endpoint, 'unary', call);
    let response: Res | undefined;
    void active
      .run(async () => {
        response = await body(call.request, active.signal, active);
      })
      .then((result) => {
        if (result.error === undefined) callback(null, response ?? ({} as Res));
        else callback(callError(result, method));
      });
  };
}

/**
 * Runs a server-streaming call that answers one request (not a live stream): a clean end when
 * `work` resolves, the gRPC error it threw (or a plugin failure naming `method`) when it fails.
 */
export function endWhenSettled(
  active: ActiveCall,
  call: EventEmitter & { destroyed?: boolean; end(): void },
  method: string,
  work: () => Promise<void>,
): void {
  void active.run(work).then((result) => {
    if (result.error !== undefined) call.emit('error', callError(result, method));
    else if (!call.destroyed) call.end();
  });
}

export function isGrpcError(err: unknown): err is GrpcError {
  return typeof err === 'object' && err !== null && typeof (err as GrpcError).code === 'number' && 'details' in err;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
