/**
 * Builds the plugin's grpc-js server with the HTTP/2 limits a Grafana needs.
 *
 * Node's HTTP/2 layer (nghttp2) guards against "rapid reset" floods: past a burst of 1,000 stream
 * resets (RST_STREAM) on one connection, refilled at 33 per second, it sends GOAWAY(INTERNAL_ERROR)
 * and the connection dies with every call on it. A Grafana closing a dashboard with many live panels
 * cancels that many RunStreams at once on its single connection, so the default is too low for us.
 * Node ≥ 22.10 lets a server raise it (`streamResetBurst` / `streamResetRate`); grpc-js 1.14 builds its
 * http2 server itself and forwards neither option, nor does it expose its sessions, so this module
 * adds both through grpc-js's (pinned) internals and checks they are still there. Limits: docs/sdk.md.
 */
import * as grpc from '@grpc/grpc-js';
import type http2 from 'node:http2';
import type { HclogLogger } from '../log/logger';

/** Stream resets one connection may send at once, then per second: far above a dashboard's worth. */
export const STREAM_RESET_BURST = 10_000;
export const STREAM_RESET_RATE_PER_SECOND = 1_000;
/** Node's fixed burst where the option is missing (nghttp2's default). */
export const DEFAULT_STREAM_RESET_BURST = 1_000;

/** Whether this Node accepts `streamResetBurst`/`streamResetRate` (added in 22.10; older ones ignore them). */
export function canRaiseStreamResetLimit(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 10);
}

/** The grpc-js 1.14 internals we extend: the options it passes to http2.createServer, and its factory. */
interface GrpcServerInternals {
  commonServerOptions?: http2.ServerOptions & { streamResetBurst?: number; streamResetRate?: number };
  createHttp2Server?: (credentials: grpc.ServerCredentials) => http2.Http2Server;
}

/**
 * Said once the plugin serves (not before: a start-up failure must stay one line). On an older Node,
 * nghttp2 tears the connection down without telling Node, so no later line can report it.
 */
export function streamResetLimitWarning(): string | undefined {
  if (canRaiseStreamResetLimit()) return undefined;
  return `Node ${process.version} cannot raise HTTP/2's stream-reset limit: more than ${DEFAULT_STREAM_RESET_BURST} RunStream cancels in a burst on one connection close that connection and every call on it; use Node 22.10 or later`;
}

export function createGrpcServer(options: grpc.ServerOptions, logger: HclogLogger): grpc.Server {
  const server = new grpc.Server(options);
  const internals = server as unknown as GrpcServerInternals;
  const create = internals.createHttp2Server;
  if (typeof internals.commonServerOptions !== 'object' || typeof create !== 'function') {
    logger.warn('this grpc-js version hides its HTTP/2 server options: stream-reset limits keep their defaults', {
      streamResetBurst: DEFAULT_STREAM_RESET_BURST,
    });
    return server;
  }
  if (canRaiseStreamResetLimit()) {
    internals.commonServerOptions.streamResetBurst = STREAM_RESET_BURST;
    internals.commonServerOptions.streamResetRate = STREAM_RESET_RATE_PER_SECOND;
  }
  internals.createHttp2Server = (credentials) => {
    const http2Server = create.call(server, credentials);
    http2Server.on('sessionError', (error: Error & { code?: string }, session: http2.ServerHttp2Session) => {
      // A peer that just goes away (ECONNRESET, EPIPE) is not news; Node's HTTP/2 layer giving up is.
      if (!error.code?.startsWith('ERR_HTTP2_')) {
        logger.debug('an HTTP/2 connection closed with an error', { error: error.message, code: error.code });
        return;
      }
      logger.warn('an HTTP/2 connection was torn down; every call on it ended', {
        error: error.message,
        code: error.code,
        peer: session?.socket?.remoteAddress ?? 'local socket',
        hint: `Node's rapid-reset protection closes a connection after more than ${STREAM_RESET_BURST} stream cancels in a burst (or ${STREAM_RESET_RATE_PER_SECOND}/s sustained)`,
      });
    });
    return http2Server;
  };
  return server;
}
