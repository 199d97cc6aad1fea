/** pluginv2.Data: QueryData (unary) and QueryChunkedData (server stream, one message per frame). */
import type * as grpc from '@grpc/grpc-js';
import type { DataResponse, DataSourceInstance, RequestContext } from '../types';
import type {
  WireDataResponse,
  WireFormat,
  WireQueryChunkedDataResponse,
  WireQueryDataRequest,
  WireQueryDataResponse,
} from '../wire/messages';
import { unimplemented } from '../wire/grpc-error';
import { DEFAULT_MAX_RESPONSE_BYTES, capResponseSize, encodeDataResponse, encodeFrame, tooLargeMessage } from './encode';
import { answerQuery, decodeDataQuery, failure } from './query-runner';
import {
  endWhenSettled,
  errorMessage,
  requestContext,
  resolveInstance,
  trackCall,
  unaryHandler,
  type HandlerRuntime,
} from './runtime';

function formatOf(request: WireQueryDataRequest): WireFormat {
  return request.format === 'JSON' ? 'JSON' : 'ARROW';
}

/** Runs every query of the request; keys are refIds. Throws gRPC errors for whole-request failures. */
async function runQueries(
  rt: HandlerRuntime,
  request: WireQueryDataRequest,
  signal: AbortSignal,
  method: string,
): Promise<Map<string, DataResponse>> {
  const resolved = await resolveInstance(rt, request.pluginContext);
  const queries = (request.queries ?? []).map(decodeDataQuery);
  const answers = new Map<string, DataResponse>();
  if (!resolved.ok) {
    for (const q of queries) answers.set(q.refId, failure(resolved.settingsError.message, 400));
    return answers;
  }
  const { lease, pluginContext } = resolved;
  try {
    const instance = lease.instance as DataSourceInstance<unknown>;
    if (typeof instance.query !== 'function') throw unimplemented(method);
    const results = await Promise.all(
      queries.map((q) => {
        const ctx: RequestContext = requestContext(rt, pluginContext, signal, { endpoint: method, refId: q.refId }, { ...(request.headers ?? {}) });
        return answerQuery(instance, q, ctx);
      }),
    );
    queries.forEach((q, i) => answers.set(q.refId, results[i]));
    return answers;
  } finally {
    lease.release();
  }
}

export function queryDataHandler(rt: HandlerRuntime): grpc.handleUnaryCall<WireQueryDataRequest, WireQueryDataResponse> {
  return unaryHandler(rt, 'queryData', async (request, signal) => {
    const format = formatOf(request);
    const answers = await runQueries(rt, request, signal, 'QueryData');
    const responses: Record<string, WireDataResponse> = {};
    for (const [refId, answer] of answers) responses[refId] = encodeDataResponse(refId, answer, format);
    const cut = capResponseSize(responses, rt.maxResponseBytes);
    if (cut.length) rt.logger.warn('query results too large for one response; replaced with errors', { refIds: cut.join(',') });
    return { responses };
  });
}

/**
 * QueryChunkedData, implemented simply: every frame of every refId goes out as its own message
 * (a complete Arrow file, or IncludeAll frame JSON), errors as a frameless message with the status.
 * A refId without frames and without error still gets one message so Grafana sees it answered.
 */
export function queryChunkedDataHandler(
  rt: HandlerRuntime,
): grpc.handleServerStreamingCall<WireQueryDataRequest, WireQueryChunkedDataResponse> {
  return (call) => {
    // A query, not a live stream: shutdown lets it finish like a unary call.
    const active = trackCall(rt, 'queryChunkedData', 'unary', call);
    const request = call.request;
    const format = formatOf(request);
    const send = async (message: WireQueryChunkedDataResponse): Promise<void> => {
      if (call.cancelled || call.destroyed) return;
      if (!call.write(message)) await waitForDrain(call);
    };
    const work = (async () => {
      const answers = await runQueries(rt, request, active.signal, 'QueryChunkedData');
      const limit = rt.maxResponseBytes - 64 * 1024;
      for (const [refId, answer] of answers) {
        const encoded = encodeDataResponse(refId, { ...answer, frames: [] }, format);
        const status = encoded.status ?? 200;
        if (answer.error || status >= 400) {
          await send({ refId, status, error: encoded.error ?? '', errorSource: encoded.errorSource ?? 'plugin', format });
        }
        const frames = answer.frames ?? [];
        if (!frames.length && !answer.error && status < 400) await send({ refId, status, format });
        for (let i = 0; i < frames.length; i++) {
          let bytes: Uint8Array;
          try {
            bytes = encodeFrame(frames[i], refId, format);
          } catch (err) {
            await send({ refId, status: 500, error: `query ${refId}: frame ${i} cannot be encoded: ${errorMessage(err)}`, errorSource: 'plugin', format });
            continue;
          }
          if (bytes.byteLength > limit) {
            await send({ refId, status: 413, error: tooLargeMessage(refId, bytes.byteLength, rt.maxResponseBytes), errorSource: 'plugin', format });
            continue;
          }
          await send({ refId, frameId: `${refId}/${i}`, frame: bytes, status: 200, format });
        }
      }
    })();
    endWhenSettled(active, call, 'QueryChunkedData', work);
  };
}

/** Resolves when a grpc-js writable call can take more, or has ended. */
export function waitForDrain(call: NodeJS.EventEmitter & { destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.removeListener('drain', done);
      call.removeListener('close', done);
      call.removeListener('cancelled', done);
      resolve();
    };
    call.once('drain', done);
    call.once('close', done);
    call.once('cancelled', done);
  });
}

export { DEFAULT_MAX_RESPONSE_BYTES };
