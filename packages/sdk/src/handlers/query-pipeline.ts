/**
 * The QueryData pipeline, in the order that keeps the process bounded: decode every query, ask each
 * its cost, refuse what cannot fit in one response, reserve the rest in the process-wide memory
 * budget (waiting in a bounded queue), and only then run the admitted queries, heavy frame tasks in
 * worker threads. Every refId gets an answer; whole-request failures are thrown as gRPC errors.
 */
import { estimatedBytes } from '../admission/cost';
import { admitToResponse, type CostedQuery } from '../admission/response-budget';
import type { DataResponse, DataSourceInstance, RequestContext, TypedDataQuery } from '../types';
import { decodeDataQueries, decodeHeaders, formatOf, type WireQueryDataRequest } from '../wire/convert';
import type { WireFormat } from '../wire/messages';
import { unimplemented } from '../wire/grpc-error';
import type { FrameTaskRunner } from '../workers/frame-task';
import { ENVELOPE_RESERVE } from './encode';
import { executeBatch, executeQuery, failure, prepareQuery, queryCostOf } from './query-runner';
import { requestContext, resolveInstance, type HandlerRuntime } from './runtime';


/** Runs frame tasks in the worker pool when the query is heavy (or of unknown size), inline otherwise. */
function frameTaskRunner(rt: HandlerRuntime, refId: string, format: WireFormat, bytes: number | undefined): FrameTaskRunner {
  const pool = rt.frameWorkers;
  const offload = pool !== undefined && (bytes === undefined || bytes >= rt.inlineBelowBytes);
  return {
    run: async (task, input, signal) => {
      signal.throwIfAborted();
      return offload ? pool.run(task.name, input, refId, format, signal) : task.run(input, signal);
    },
  };
}

export interface QueryAnswers {
  /** Keyed by refId, in request order. */
  answers: Map<string, DataResponse>;
  /** Gives back the memory reserved for these answers: call once the response has been sent. */
  release(): void;
}

const nothingHeld = (): void => undefined;

/** Answers every query of the request. */
export async function runQueries(
  rt: HandlerRuntime,
  request: WireQueryDataRequest,
  signal: AbortSignal,
  method: string,
): Promise<QueryAnswers> {
  const resolved = await resolveInstance(rt, request.pluginContext);
  const queries = decodeDataQueries(request);
  const answers = new Map<string, DataResponse>();
  if (!resolved.ok) {
    for (const q of queries) answers.set(q.refId, failure(resolved.settingsError.message, 400));
    return { answers, release: nothingHeld };
  }
  const { lease, pluginContext } = resolved;
  try {
    const instance = lease.instance as DataSourceInstance<unknown>;
    if (typeof instance.query !== 'function' && typeof instance.queryData !== 'function') throw unimplemented(method);
    const format = formatOf(request);
    const logger = rt.logger.with({ endpoint: method });

    // 1. Decode; a bad query is answered now and costs nothing.
    const decoded: TypedDataQuery<unknown>[] = [];
    for (const q of queries) {
      const prepared = prepareQuery(instance, q);
      answers.set(q.refId, prepared.ok ? {} : prepared.response); // keeps request order
      if (prepared.ok) decoded.push(prepared.query);
    }

    // 2. Cost and per-response admission, before anything is computed.
    const costed: CostedQuery[] = decoded.map((q) => ({ refId: q.refId, bytes: estimatedBytes(queryCostOf(instance, q, format, logger), format) }));
    const { admitted, refused } = admitToResponse(costed, rt.maxResponseBytes - ENVELOPE_RESERVE);
    for (const r of refused) answers.set(r.refId, failure(r.message, 413, 'plugin'));
    const toRun = decoded.filter((q) => admitted.has(q.refId));
    const bytesOf = new Map(costed.map((c) => [c.refId, c.bytes]));
    if (refused.length) {
      logger.info('queries refused before running: too large for one response', { count: refused.length, refIds: refused.map((r) => r.refId).join(',') });
    }
    if (toRun.length === 0) return { answers, release: nothingHeld };

    // 3. The process-wide memory budget: wait (bounded) or refuse the whole rest with a clear status.
    const reserveBytes = toRun.reduce((sum, q) => sum + (bytesOf.get(q.refId) ?? 0), 0);
    const reservation = await rt.memory.reserve(reserveBytes, signal);
    if (!reservation.ok) {
      const status = signal.aborted ? 499 : 503;
      for (const q of toRun) answers.set(q.refId, failure(`query ${q.refId}: ${reservation.reason}`, status, status === 499 ? 'downstream' : 'plugin'));
      return { answers, release: nothingHeld };
    }

    // 4. Run the admitted queries: in one call for a batching datasource, else concurrently.
    const headers = decodeHeaders(request.headers);
    if (typeof instance.queryData === 'function') {
      const ctx: RequestContext = requestContext(rt, pluginContext, signal, { endpoint: method }, headers);
      ctx.frameTasks = frameTaskRunner(rt, '', format, reserveBytes);
      for (const [refId, answer] of await executeBatch(instance, toRun, ctx)) answers.set(refId, answer);
      return { answers, release: reservation.release };
    }
    const results = await Promise.all(
      toRun.map((q) => {
        const ctx: RequestContext = requestContext(rt, pluginContext, signal, { endpoint: method, refId: q.refId }, headers);
        ctx.frameTasks = frameTaskRunner(rt, q.refId, format, bytesOf.get(q.refId));
        return executeQuery(instance, q, ctx);
      }),
    );
    toRun.forEach((q, i) => answers.set(q.refId, results[i]));
    return { answers, release: reservation.release };
  } finally {
    lease.release();
  }
}
