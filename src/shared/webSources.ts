/**
 * Settings of the web message sources — WebSocket (jsonData.websocket), Server-Sent Events
 * (jsonData.sse) and HTTP polling (jsonData.httpPoll) — and the secureJsonData keys they read. Shared by
 * the config editor, the provisioning docs (docs/sources.md) and the backend. The buffer settings are
 * the ones every message source shares (src/shared/mqtt.ts, jsonData.buffer).
 */

/** A request header or URL query parameter. A `secret` one keeps its value in secureJsonData (see `secretKey`). */
export interface NameValue {
  name: string;
  /** The value when not secret. */
  value?: string;
  secret?: boolean;
}

/** What every web source has: where to connect, what to send, TLS, redirects and reconnecting. */
export interface WebEndpointSettings {
  /** Base URL; a query's `path` is resolved against it and must stay on the same host. */
  url: string;
  headers: NameValue[];
  /** Added to the URL of every request; never shown in messages or stream names. */
  queryParams: NameValue[];
  /** Verify the server's certificate against `tlsCACert` (or the system CAs). */
  tlsSkipVerify: boolean;
  /**
   * Follow redirects to another host (and from https to http). Off: such a redirect fails with an error
   * and no request reaches the other host. Secret headers are never sent to another host.
   */
  allowCrossHostRedirects: boolean;
  /** An attempt with no answer (handshake, response headers) by then fails, ms. */
  connectTimeoutMs: number;
  /** Retry backoff: first delay and cap, ms (doubled per failed attempt, with jitter). */
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** secureJsonData keys of every web source: TLS material, and one key per secret header / query parameter. */
export const WEB_TLS_SECURE_KEYS = ['tlsCACert', 'tlsClientCert', 'tlsClientKey'] as const;

/** secureJsonData key holding the value of a secret header (`header:<lower-case name>`) or query parameter (`query:<name>`). */
export function secretKey(kind: 'header' | 'query', name: string): string {
  return kind === 'header' ? `header:${name.trim().toLowerCase()}` : `query:${name.trim()}`;
}

/** jsonData.websocket */
export interface WebSocketSettings extends WebEndpointSettings {
  /** Sent after every (re)connect when the query gives none; empty: nothing is sent. */
  connectMessage?: string;
  /** Largest message accepted, bytes; a bigger one closes the connection (code 1009) with an error saying so. */
  maxMessageBytes: number;
  /** A ping every this many seconds; no pong by the next one: the connection is treated as dead. 0: off. */
  pingIntervalSeconds: number;
}

/** jsonData.sse */
export interface SseSettings extends WebEndpointSettings {
  /** Event names kept when the query gives none (`message` is an event without `event:`); empty: every event. */
  events: string[];
  /** Longest line and longest event (its data), characters; a longer event is dropped and counted. */
  maxEventBytes: number;
  /** Nothing received (not even a comment) for this long: the stream is treated as lost and reopened. 0: off. */
  idleTimeoutSeconds: number;
}

export const HTTP_POLL_METHODS = ['GET', 'POST', 'PUT'] as const;
export type HttpPollMethod = (typeof HTTP_POLL_METHODS)[number];

/** jsonData.httpPoll */
export interface HttpPollSettings extends WebEndpointSettings {
  method: HttpPollMethod;
  /** Request body (POST, PUT). */
  body?: string;
  /** Content-Type of the body. */
  bodyContentType: string;
  /** Default poll interval, ms. */
  intervalMs: number;
  /** Smallest interval a query may ask for, ms. */
  minIntervalMs: number;
  /** Path in the JSON response to the rows (`data.items`); empty: the response itself. An array gives one row per element, an object one row. */
  rowsPath?: string;
  /** Largest response body read, bytes; a bigger one fails the poll with an error saying so. */
  maxResponseBytes: number;
  /** Skip rows identical (every value, the time included) to one already seen among the last `dedupeWindow` rows. */
  dedupeRows: boolean;
  dedupeWindow: number;
}

const ENDPOINT_DEFAULTS = {
  headers: [],
  queryParams: [],
  tlsSkipVerify: false,
  allowCrossHostRedirects: false,
  connectTimeoutMs: 5_000,
  reconnectMinMs: 250,
  reconnectMaxMs: 5_000,
};

export const DEFAULT_WEBSOCKET_SETTINGS: WebSocketSettings = {
  ...ENDPOINT_DEFAULTS,
  url: 'ws://localhost:8080/',
  maxMessageBytes: 256 * 1024,
  pingIntervalSeconds: 30,
};

export const DEFAULT_SSE_SETTINGS: SseSettings = {
  ...ENDPOINT_DEFAULTS,
  url: 'http://localhost:8080/events',
  events: [],
  maxEventBytes: 256 * 1024,
  idleTimeoutSeconds: 0,
};

export const DEFAULT_HTTP_POLL_SETTINGS: HttpPollSettings = {
  ...ENDPOINT_DEFAULTS,
  url: 'http://localhost:8080/data.json',
  method: 'GET',
  bodyContentType: 'application/json',
  intervalMs: 10_000,
  minIntervalMs: 1_000,
  maxResponseBytes: 8 * 1024 * 1024,
  dedupeRows: true,
  dedupeWindow: 10_000,
};

/** What a query asks of a WebSocket source (one shared connection per distinct path + connect message). */
export interface WebSocketStreamSpec {
  /** Resolved against the settings URL (`/feed?x=1`); empty: the settings URL. */
  path?: string;
  /** Sent after every (re)connect; template variables are already applied. Missing: the settings' one. */
  connectMessage?: string;
}

/** What a query asks of an SSE source (one shared connection per distinct path + event filter). */
export interface SseStreamSpec {
  path?: string;
  /** Event names kept; missing: the settings' list; empty: every event. */
  events?: string[];
}

/** What a query asks of an HTTP polling source (one shared poller per distinct request). */
export interface HttpPollStreamSpec {
  path?: string;
  method?: HttpPollMethod;
  body?: string;
  /** Raised to the settings' `minIntervalMs` when smaller. */
  intervalMs?: number;
  rowsPath?: string;
}
