/** What every handler adapter needs, plus the helpers they share (context decoding, call tracking). */
import type * as grpc from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import type { CallKind, CallTracker } from '../host/calls';
import type { HclogLogger } from '../log/logger';
import type { Endpoint, RequestOutcome, SdkMetrics } from '../metrics/sdk-metrics';
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

export interface ActiveCall {
  readonly signal: AbortSignal;
  finish(outcome: RequestOutcome): void;
}

type CancellableCall = EventEmitter & { cancelled?: boolean; destroyed?: boolean };

/**
 * Registers a call for draining and metrics; gRPC cancellation aborts its signal. Besides grpc-js's
 * 'cancelled', a server stream that closes (destroyed by a reset or a dropped connection) before the
 * handler finished counts as cancelled, and so does one that is already cancelled or destroyed when
 * the handler starts: a call that cannot deliver anything any more must not keep its work running.
 */
export function trackCall(rt: HandlerRuntime, endpoint: Endpoint, kind: CallKind, call: CancellableCall): ActiveCall {
  const tracked = rt.calls.begin(kind);
  const done = rt.metrics.startRequest(endpoint);
  const onCancel = (): void => tracked.abort(CLIENT_CANCELLED);
  call.on('cancelled', onCancel);
  call.on('close', onCancel);
  if (call.cancelled || call.destroyed) onCancel();
  return {
    signal: tracked.signal,
    finish(outcome) {
      call.removeListener('cancelled', onCancel);
      call.removeListener('close', onCancel);
      tracked.end();
      done(call.cancelled ? 'cancelled' : outcome);
    },
  };
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

/** Adapts an async unary handler to grpc-js, with tracking, metrics and error mapping. */
export function unaryHandler<Req, Res>(
  rt: HandlerRuntime,
  endpoint: Endpoint,
  body: (request: Req, signal: AbortSignal, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const active = trackCall(rt, endpoint, 'unary', call);
    const started = performance.now();
    body(call.request, active.signal, call).then(
      (response) => {
        active.finish('ok');
        if (rt.logger.enabled('debug')) rt.logger.debug(`${endpoint} handled`, { durationMs: Math.round(performance.now() - started) });
        callback(null, response);
      },
      (err: unknown) => {
        active.finish('error');
        const error = isGrpcError(err) ? err : pluginFailure(endpoint, err);
        if (!isGrpcError(err)) rt.logger.error(`${endpoint} failed`, { error: err, stack: (err as Error)?.stack });
        callback(error);
      },
    );
  };
}

/**
 * Ends a server-streaming call that answers one request (not a live stream) when `work` settles:
 * a clean end when it resolves, the gRPC error it threw (or a plugin failure naming `method`) when
 * it rejects.
 */
export function endWhenSettled(
  active: ActiveCall,
  call: EventEmitter & { destroyed?: boolean; end(): void },
  method: string,
  work: Promise<void>,
): void {
  work.then(
    () => {
      active.finish('ok');
      if (!call.destroyed) call.end();
    },
    (err: unknown) => {
      active.finish('error');
      call.emit('error', isGrpcError(err) ? err : pluginFailure(method, err));
    },
  );
}

export function isGrpcError(err: unknown): err is GrpcError {
  return typeof err === 'object' && err !== null && typeof (err as GrpcError).code === 'number' && 'details' in err;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
