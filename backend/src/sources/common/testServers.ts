/**
 * Loopback servers for the web source tests (not shipped code paths): a node:http server whose handler
 * the test writes, restartable on the same port, with a WebSocket server (`ws`) on it when asked, and a
 * logger that keeps every line.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { HclogLogger, type Logger } from '@tributary/grafana-backend-sdk';
import { DEFAULT_BUFFER_SETTINGS, type BufferSettings } from '../../../../src/shared/mqtt';

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface TestServerOptions {
  /** Accept WebSocket upgrades and call this for each connection. */
  websocket?: (socket: WebSocket, request: IncomingMessage) => void;
  /** An answer instead of the upgrade (refusals, redirects), or undefined to accept it. */
  upgrade?: (request: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string } | undefined;
  /** Serve TLS (https:// and wss://) with these options. */
  tls?: https.ServerOptions;
}

/** A loopback HTTP server (and optionally a WebSocket server on it) that can be stopped and started again on its port. */
export class TestServer {
  readonly requests: SeenRequest[] = [];
  /** WebSocket connections accepted, with the request that opened each. */
  readonly sockets: { socket: WebSocket; request: IncomingMessage }[] = [];
  private server?: http.Server | https.Server;
  private wss?: WebSocketServer;
  port = 0;

  constructor(
    private readonly handler: Handler,
    private readonly options: TestServerOptions = {},
  ) {}

  get origin(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get wsOrigin(): string {
    return `${this.options.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
      this.handler(request, response);
    };
    const server = this.options.tls ? https.createServer(this.options.tls, listener) : http.createServer(listener);
    // A refused TLS handshake is the client's business here; the server just drops it.
    server.on('tlsClientError', () => {});
    if (this.options.websocket) {
      const wss = new WebSocketServer({ noServer: true });
      this.wss = wss;
      server.on('upgrade', (request: IncomingMessage, socket, head) => {
        this.requests.push({ method: 'UPGRADE', url: request.url ?? '', headers: request.headers });
        const answer = this.options.upgrade?.(request);
        if (answer) {
          const headers = Object.entries(answer.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
          const body = answer.body ?? '';
          socket.end(`HTTP/1.1 ${answer.status} X\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => {
          this.sockets.push({ socket: ws, request });
          this.options.websocket?.(ws, request);
        });
      });
    }
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts every open connection (a crash, as far as clients can tell). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A logger that keeps every line it writes (debug and up). */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new HclogLogger({ level: 'debug', write: (line) => lines.push(line) }), lines };
}

export function testBuffer(overrides: Partial<BufferSettings> = {}): BufferSettings {
  return { ...DEFAULT_BUFFER_SETTINGS, ...overrides };
}

/** Polls `check` every 10 ms until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const ALL_TIME = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER };
