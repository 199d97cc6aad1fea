/** pluginv2.Resource/CallResource: a streamed HTTP-like answer (status + headers first, then body). */
import type * as grpc from '@grpc/grpc-js';
import type { ResourceResponseWriter } from '../types';
import {
  decodeResourceRequest,
  encodeResourceHeaders,
  resourceBody,
  resourceHead,
  type WireCallResourceRequest,
  type WireCallResourceResponse,
  type WireHeaders,
} from '../wire/convert';
import { logThrown } from '../middleware/recovery';
import { unimplemented } from '../wire/grpc-error';
import { endWhenSettled, errorMessage, requestContext, resolveInstance, trackCall, type HandlerRuntime } from './runtime';

/** Buffers the head until the first body chunk (or end) so status and headers travel in message one. */
class ResponseWriter implements ResourceResponseWriter {
  private head?: { code: number; headers: WireHeaders };
  private headSent = false;
  ended = false;

  constructor(private readonly send: (message: WireCallResourceResponse) => void) {}

  /** The handler wrote a head (sent or still buffered). */
  get started(): boolean {
    return this.headSent || this.head !== undefined;
  }

  /** The head already went to Grafana: the status can no longer change. */
  get committed(): boolean {
    return this.headSent;
  }

  writeHead(status: number, headers?: Record<string, string | string[]>): void {
    if (this.headSent) throw new Error('writeHead called after the response head was sent');
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new Error(`invalid HTTP status ${status}: must be an integer from 100 to 599`);
    }
    this.head = { code: status, headers: encodeResourceHeaders(headers) };
  }

  write(chunk: Uint8Array | string): void {
    if (this.ended) throw new Error('write after end');
    this.flush(chunk);
  }

  end(chunk?: Uint8Array | string): void {
    if (this.ended) return;
    if (chunk !== undefined || !this.headSent) this.flush(chunk);
    this.ended = true;
  }

  json(status: number, value: unknown): void {
    this.writeHead(status, { 'Content-Type': 'application/json' });
    this.end(JSON.stringify(value));
  }

  private flush(body: Uint8Array | string | undefined): void {
    if (!this.headSent) {
      const head = this.head ?? { code: 200, headers: {} };
      this.headSent = true;
      this.send(resourceHead(head.code, head.headers, body));
      return;
    }
    if (body !== undefined && body.length) this.send(resourceBody(body));
  }
}

export function callResourceHandler(
  rt: HandlerRuntime,
): grpc.handleServerStreamingCall<WireCallResourceRequest, WireCallResourceResponse> {
  return (call) => {
    const active = trackCall(rt, 'callResource', 'unary', call);
    const writer = new ResponseWriter((message) => {
      if (!call.cancelled && !call.destroyed) call.write(message);
    });
    const work = async (): Promise<void> => {
      const resolved = await resolveInstance(rt, call.request.pluginContext);
      if (!resolved.ok) {
        writer.json(400, { message: resolved.settingsError.message });
        return;
      }
      const { lease, pluginContext } = resolved;
      try {
        const instance = lease.instance;
        if (typeof instance.callResource !== 'function') throw unimplemented('CallResource');
        const request = decodeResourceRequest(call.request, pluginContext);
        const ctx = requestContext(rt, pluginContext, active.signal, { endpoint: 'CallResource', path: request.path });
        try {
          await instance.callResource(request, writer, ctx);
        } catch (err) {
          logThrown(ctx.logger, 'resource', err);
          // Before the head went out we can still answer properly; after it, the body just ends.
          if (!writer.committed) writer.json(500, { message: `resource ${request.path} failed: ${errorMessage(err)}` });
        }
        if (!writer.started) writer.json(404, { message: `resource not found: ${request.path || '/'}` });
        writer.end();
      } finally {
        lease.release();
      }
    };
    endWhenSettled(active, call, 'CallResource', work);
  };
}
