/**
 * WebSocket source: one connection per distinct URL path + connect message, shared by every query and
 * stream asking for it (SharedStreams), kept up by a ReconnectLoop. The connect message is sent after
 * every (re)connect, so a server that needs a subscribe command gets it again after a restart.
 * Messages are kept raw in the datasource's buffer, their topic being the URL path (never the query
 * string, which may hold secret parameters).
 */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocketSettings, WebSocketStreamSpec } from '../../../../src/shared/webSources';
import { keyDigest, type Upstream, type UpstreamContext } from '../common/sharedStreams';
import { WebSource, type WebSourceOptions } from '../common/webSource';
import { StatusTracker } from '../common/statusTracker';
import { ReconnectLoop, type Attempt } from '../common/reconnectLoop';
import { endpointKey, headersFor, redact, redirectRefusal, resolveEndpoint, type Endpoint } from '../common/endpoint';
import { describeHttpStatus, describeNetworkError } from '../common/errors';
import { MAX_REDIRECTS, readExcerpt } from '../common/httpRequest';

export type WebSocketSourceOptions = WebSourceOptions<WebSocketSettings>;

const SCHEMES = ['ws:', 'wss:'];

export class WebSocketSource extends WebSource<WebSocketSettings, WebSocketStreamSpec> {
  constructor(options: WebSocketSourceOptions) {
    super(options, SCHEMES, options.settings.maxMessageBytes);
  }

  private connectMessage(spec: WebSocketStreamSpec): string | undefined {
    const message = spec.connectMessage ?? this.options.settings.connectMessage;
    return message === undefined || message === '' ? undefined : message;
  }

  protected keyOf(spec: WebSocketStreamSpec): string {
    const endpoint = resolveEndpoint(this.options.settings, this.options.secure, spec.path, SCHEMES);
    const message = this.connectMessage(spec);
    return message === undefined ? endpointKey(endpoint) : `${endpointKey(endpoint)} message#${keyDigest(message)}`;
  }

  protected start(spec: WebSocketStreamSpec, context: UpstreamContext): Upstream {
    const endpoint = resolveEndpoint(this.options.settings, this.options.secure, spec.path, SCHEMES);
    const { settings } = this.options;
    const status = new StatusTracker(`WebSocket ${endpoint.display}`, context.logger, () => context.changed(), () => context.metrics?.reconnected());
    const connectMessage = this.connectMessage(spec);
    const loop = new ReconnectLoop(
      status,
      { minMs: settings.reconnectMinMs, maxMs: settings.reconnectMaxMs, random: this.options.random },
      (attempt) => openSocket(settings, endpoint, connectMessage, context, attempt),
    );
    return { state: () => status.state(), problem: () => undefined, close: () => loop.close() };
  }
}

/** One attempt: the handshake (following allowed redirects), then messages until the socket closes. */
function openSocket(settings: WebSocketSettings, endpoint: Endpoint, connectMessage: string | undefined, context: UpstreamContext, attempt: Attempt): () => void {
  const topic = endpoint.url.pathname;
  let socket: WebSocket | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const stop = () => {
    stopped = true;
    clearInterval(pingTimer);
    socket?.terminate();
  };

  const open = (target: URL, hop: number) => {
    let lastError: string | undefined;
    const ws = new WebSocket(target, {
      headers: headersFor(endpoint, target),
      ...(target.protocol === 'wss:' ? endpoint.tls : {}),
      maxPayload: settings.maxMessageBytes,
      handshakeTimeout: settings.connectTimeoutMs,
      // Redirects are followed below, one checked hop at a time.
      followRedirects: false,
    });
    socket = ws;
    // After the outcome is known, errors of this socket are expected; without a listener they would throw.
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        lastError = `a message larger than ${settings.maxMessageBytes} bytes arrived (maxMessageBytes); the connection was closed (code 1009)`;
      } else if (error.message === 'Opening handshake has timed out') {
        lastError = `timed out after ${settings.connectTimeoutMs} ms waiting for the WebSocket handshake with ${target.host}`;
      } else {
        lastError = describeNetworkError(error, target);
      }
    });
    ws.on('unexpected-response', (request, response: IncomingMessage) => {
      if (ws !== socket || stopped) return;
      void refused(target, hop, response).then((next) => {
        if (ws !== socket || stopped) return;
        socket = undefined;
        ws.terminate();
        if (!next) return;
        try {
          open(next, hop + 1);
        } catch (error) {
          attempt.ended(describeNetworkError(error, next));
        }
      });
    });
    ws.on('open', () => {
      if (ws !== socket || stopped) return;
      attempt.connected();
      if (connectMessage !== undefined) {
        ws.send(connectMessage, (error) => {
          if (error && ws === socket && !stopped) attempt.ended(`sending the connect message failed: ${describeNetworkError(error, target)}`);
        });
      }
      startPings(ws, target);
    });
    ws.on('message', (data: Buffer) => {
      if (ws !== socket || stopped) return;
      context.metrics?.received();
      context.ring.append(topic, data);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (ws !== socket || stopped) return;
      const why = reason.length > 0 ? `: ${redact(reason.toString('utf8'), endpoint.secrets)}` : '';
      attempt.ended(lastError ?? `the server closed the connection (code ${code}${why})`);
    });
  };

  /** A non-101 answer to the handshake: the next URL when it is an allowed redirect, else ends the attempt. */
  const refused = async (from: URL, hop: number, response: IncomingMessage): Promise<URL | undefined> => {
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      let next: URL;
      try {
        next = new URL(location, from);
      } catch {
        attempt.ended('the server redirected to an invalid URL');
        return undefined;
      }
      if (next.protocol === 'http:') next.protocol = 'ws:';
      else if (next.protocol === 'https:') next.protocol = 'wss:';
      const refusal = next.protocol !== 'ws:' && next.protocol !== 'wss:' ? `the server redirected to a ${next.protocol} URL; refused` : redirectRefusal(from, next, settings.allowCrossHostRedirects);
      if (refusal) attempt.ended(refusal);
      else if (hop >= MAX_REDIRECTS) attempt.ended(`more than ${MAX_REDIRECTS} redirects`);
      else return next;
      return undefined;
    }
    const excerpt = redact(await readExcerpt(response), endpoint.secrets);
    attempt.ended(`the WebSocket handshake was refused: ${describeHttpStatus(status, response.statusMessage, excerpt)}`);
    return undefined;
  };

  /** A ping per interval; no pong since the previous one: the connection is dead (a silent drop). */
  const startPings = (ws: WebSocket, target: URL) => {
    if (settings.pingIntervalSeconds <= 0) return;
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    pingTimer = setInterval(() => {
      if (ws !== socket || stopped) return;
      if (!alive) {
        attempt.ended(`no answer to a ping from ${target.host} within ${settings.pingIntervalSeconds} s (connection lost)`);
        return;
      }
      alive = false;
      ws.ping();
    }, settings.pingIntervalSeconds * 1000);
    pingTimer.unref();
  };

  open(endpoint.url, 0);
  return stop;
}
