/** pluginv2.Stream: SubscribeStream, PublishStream (unary) and RunStream (server stream of packets). */
import * as grpc from '@grpc/grpc-js';
import type { DataSourceInstance, RequestContext, StreamRequest } from '../types';
import {
  PERMISSION_DENIED,
  decodeStreamRequest,
  encodePublishResult,
  encodeSubscribeResult,
  type WireStreamPacket,
  type WireStreamRequest,
  type WireStreamResponse,
} from '../wire/convert';
import { grpcError, unimplemented } from '../wire/grpc-error';
import type { InstanceLease } from '../instances/manager';
import { USER_ERROR_SOURCE } from '../middleware/error-source';
import { GrpcStreamSender } from './stream-sender';
import {
  callError,
  requestContext,
  resolveInstance,
  trackCall,
  unaryHandler,
  type HandlerRuntime,
} from './runtime';

/**
 * Runs a SubscribeStream / PublishStream call: resolves the datasource instance and hands `body` the
 * decoded request and its context. Broken settings deny: nobody may subscribe or publish until they
 * are fixed.
 */
async function answerStreamCall(
  rt: HandlerRuntime,
  wire: WireStreamRequest,
  signal: AbortSignal,
  endpoint: 'SubscribeStream' | 'PublishStream',
  body: (instance: DataSourceInstance<unknown>, request: StreamRequest, ctx: RequestContext) => Promise<WireStreamResponse>,
): Promise<WireStreamResponse> {
  const resolved = await resolveInstance(rt, wire.pluginContext);
  if (!resolved.ok) return PERMISSION_DENIED;
  const { lease, pluginContext } = resolved;
  try {
    const request = decodeStreamRequest(wire, pluginContext);
    const ctx = requestContext(rt, pluginContext, signal, { endpoint, path: request.path });
    return await body(lease.instance, request, ctx);
  } finally {
    lease.release();
  }
}

export function subscribeStreamHandler(rt: HandlerRuntime): grpc.handleUnaryCall<WireStreamRequest, WireStreamResponse> {
  return unaryHandler(rt, 'subscribeStream', 'SubscribeStream', (wire, signal) =>
    answerStreamCall(rt, wire, signal, 'SubscribeStream', async (instance, request, ctx) => {
      if (typeof instance.subscribeStream !== 'function') throw unimplemented('SubscribeStream');
      return encodeSubscribeResult(await instance.subscribeStream(request, ctx));
    }),
  );
}

export function publishStreamHandler(rt: HandlerRuntime): grpc.handleUnaryCall<WireStreamRequest, WireStreamResponse> {
  return unaryHandler(rt, 'publishStream', 'PublishStream', (wire, signal) =>
    answerStreamCall(rt, wire, signal, 'PublishStream', async (instance, request, ctx) => {
      if (typeof instance.publishStream !== 'function') throw unimplemented('PublishStream');
      return encodePublishResult(await instance.publishStream(request, ctx));
    }),
  );
}

/**
 * RunStream: the handler runs until it returns (call ends OK) or throws (gRPC error; Grafana restarts
 * the stream with back-off). Cancellation by Grafana, shutdown, or a dropped connection abort ctx.signal.
 *
 * How cancellation reaches us (grpc-js 1.14): the server learns of it only from the client's
 * RST_STREAM (or the connection closing); grpc-js then marks the call `cancelled`, emits 'cancelled'
 * and destroys it — even when the reset arrived together with the request, in which case the call
 * may already be cancelled when this handler starts, or become so while the instance is resolved.
 * trackCall covers every one of those (flag, event, 'close'), and the checks below skip the work of a
 * call cancelled before it began. A grpc-js *client* that cancels in the same tick as it starts the
 * call never sends that RST_STREAM at all (it starts the HTTP/2 stream a microtask later and leaves
 * it open), so no server can tell that call from a live one: it runs until that client's connection
 * closes (docs/sdk.md, "Streams").
 */
export function runStreamHandler(rt: HandlerRuntime): grpc.handleServerStreamingCall<WireStreamRequest, WireStreamPacket> {
  return (call) => {
    const active = trackCall(rt, 'runStream', 'stream', call);
    const sender = new GrpcStreamSender(call);
    const path = call.request.path ?? '';
    /**
     * Grafana treats a RunStream that ends with OK as finished for good and never restarts it, so a
     * stream that ends because this process is going away (sidecar restart, deploy) or because its
     * datasource instance was replaced ends UNAVAILABLE: Grafana then re-runs it, against the new
     * process or the new settings.
     */
    const endedForRerun = (): boolean => {
      if (call.cancelled || call.destroyed) return false;
      if (rt.calls.draining) {
        call.emit('error', grpcError(grpc.status.UNAVAILABLE, 'the plugin is shutting down; the stream will be re-run'));
        return true;
      }
      // Same for a stream whose datasource instance was replaced by newer settings and then disposed.
      if (lease?.retired) {
        call.emit('error', grpcError(grpc.status.UNAVAILABLE, 'the datasource settings changed; the stream will be re-run with them'));
        return true;
      }
      return false;
    };
    let lease: InstanceLease | undefined;
    void active
      .run(async () => {
        if (active.signal.aborted) return;
        const resolved = await resolveInstance(rt, call.request.pluginContext);
        if (!resolved.ok) throw grpcError(grpc.status.FAILED_PRECONDITION, resolved.settingsError.message, USER_ERROR_SOURCE);
        lease = resolved.lease;
        const { pluginContext } = resolved;
        try {
          // Cancelled while the instance was being created: nothing to run.
          if (active.signal.aborted) return;
          const instance = lease.instance;
          if (typeof instance.runStream !== 'function') throw unimplemented('RunStream');
          const request = decodeStreamRequest(call.request, pluginContext);
          const ctx = requestContext(rt, pluginContext, active.signal, { endpoint: 'RunStream', path });
          ctx.logger.debug('stream started');
          await instance.runStream(request, sender, ctx);
          ctx.logger.debug('stream ended', { packets: sender.packets, cancelled: active.signal.aborted });
        } finally {
          lease.release();
        }
      })
      .then((result) => {
        sender.close();
        // A stream that ended while being cancelled or stopped ends cleanly (trackCall drops its AbortError).
        if (result.error === undefined) {
          if (endedForRerun()) return;
          if (!call.destroyed) call.end();
          return;
        }
        if (!call.destroyed) call.emit('error', callError(result, 'RunStream'));
      });
  };
}
