/** pluginv2.Data: QueryData (unary) and QueryChunkedData (server stream, one message per frame). */
import type * as grpc from '@grpc/grpc-js';
import type { DataResponse, ErrorSource } from '../types';
import {
  chunk,
  encodeDataResponse,
  encodeFrame,
  formatOf,
  type WireDataResponse,
  type WireQueryChunkedDataResponse,
  type WireQueryDataRequest,
  type WireQueryDataResponse,
} from '../wire/convert';
import { isEncodedFrame } from '../workers/encoded-frame';
import { DEFAULT_MAX_RESPONSE_BYTES, ENVELOPE_RESERVE, capResponseSize, tooLargeMessage } from './encode';
import { runQueries } from './query-pipeline';
import { endWhenSettled, errorMessage, trackCall, unaryHandler, type HandlerRuntime } from './runtime';

export function queryDataHandler(rt: HandlerRuntime): grpc.handleUnaryCall<WireQueryDataRequest, WireQueryDataResponse> {
  return unaryHandler(rt, 'queryData', 'QueryData', async (request, signal, active) => {
    const format = formatOf(request);
    const { answers, release } = await runQueries(rt, request, signal, 'QueryData');
    try {
      const responses: Record<string, WireDataResponse> = {};
      for (const [refId, answer] of answers) responses[refId] = encodeDataResponse(refId, answer, format);
      const cut = capResponseSize(responses, rt.maxResponseBytes);
      if (cut.length) rt.logger.warn('query results too large for one response; replaced with errors', { refIds: cut.join(',') });
      active.queries = Object.entries(responses).map(([refId, r]) => ({ refId, status: r.status ?? 200, errorSource: r.errorSource as ErrorSource | undefined }));
      return { responses };
    } finally {
      // After grpc-js has serialized the response: its callback runs as the middleware chain unwinds, in microtasks, before any setImmediate.
      setImmediate(release);
    }
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
    const sendChunks = async (answers: Map<string, DataResponse>): Promise<void> => {
      const limit = rt.maxResponseBytes - ENVELOPE_RESERVE;
      for (const [refId, answer] of answers) {
        const encoded = encodeDataResponse(refId, { ...answer, frames: [] }, format);
        const status = encoded.status ?? 200;
        (active.queries ??= []).push({ refId, status, errorSource: encoded.errorSource as ErrorSource | undefined });
        if (answer.error || status >= 400) {
          await send(chunk.error(refId, status, encoded.error ?? '', encoded.errorSource ?? 'plugin', format));
        }
        const frames = answer.frames ?? [];
        if (!frames.length && !answer.error && status < 400) await send(chunk.empty(refId, status, format));
        for (let i = 0; i < frames.length; i++) {
          const frame = frames[i];
          let bytes: Uint8Array;
          try {
            bytes = isEncodedFrame(frame) ? frame.bytes : encodeFrame(frame, refId, format);
          } catch (err) {
            await send(chunk.error(refId, 500, `query ${refId}: frame ${i} cannot be encoded: ${errorMessage(err)}`, 'plugin', format));
            continue;
          }
          if (bytes.byteLength > limit) {
            await send(chunk.error(refId, 413, tooLargeMessage(refId, bytes.byteLength, rt.maxResponseBytes), 'plugin', format));
            continue;
          }
          await send(chunk.frame(refId, i, bytes, format));
        }
      }
    };
    const work = async (): Promise<void> => {
      const { answers, release } = await runQueries(rt, request, active.signal, 'QueryChunkedData');
      try {
        await sendChunks(answers);
      } finally {
        release();
      }
    };
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
