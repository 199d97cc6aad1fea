/**
 * Validation of the web message sources' settings (jsonData.websocket / sse / httpPoll, with
 * jsonData.buffer) and of their query fields. Shared by the editors and the backend so both report the
 * same fix-it messages. Secrets never come here: only which secureJsonData keys are set.
 */
import { DEFAULT_BUFFER_SETTINGS, type BufferSettings } from './mqtt';
import {
  BUFFER_RANGES,
  asObject,
  describe,
  hasControlCharacter,
  isMissing,
  readNumber,
  readRanged,
  readText,
  type Raw,
} from './mqttValidation';
import type { NumericRange } from './ranges';
import {
  DEFAULT_HTTP_POLL_SETTINGS,
  DEFAULT_SSE_SETTINGS,
  DEFAULT_WEBSOCKET_SETTINGS,
  HTTP_POLL_METHODS,
  WEB_TLS_SECURE_KEYS,
  secretKey,
  type HttpPollMethod,
  type HttpPollSettings,
  type HttpPollStreamSpec,
  type NameValue,
  type SseSettings,
  type SseStreamSpec,
  type WebEndpointSettings,
  type WebSocketSettings,
  type WebSocketStreamSpec,
} from './webSources';

export type WebSourceKind = 'websocket' | 'sse' | 'http-poll';
export const WEB_SOURCE_KINDS: readonly WebSourceKind[] = ['websocket', 'sse', 'http-poll'];

/** The jsonData key holding each web kind's settings. */
export const WEB_SETTINGS_KEY = { websocket: 'websocket', sse: 'sse', 'http-poll': 'httpPoll' } as const;

export const WEB_URL_SCHEMES: Record<WebSourceKind, readonly string[]> = {
  websocket: ['ws:', 'wss:'],
  sse: ['http:', 'https:'],
  'http-poll': ['http:', 'https:'],
};
const TLS_SCHEMES = new Set(['wss:', 'https:']);

export const WEB_ENDPOINT_RANGES = {
  connectTimeoutMs: { min: 100, max: 120_000, integer: true },
  reconnectMinMs: { min: 10, max: 60_000, integer: true },
  reconnectMaxMs: { min: 100, max: 3_600_000, integer: true },
} satisfies Partial<Record<keyof WebEndpointSettings, NumericRange>>;

export const WEBSOCKET_RANGES = {
  maxMessageBytes: { min: 16, max: 16 * 1024 * 1024, integer: true },
  pingIntervalSeconds: { min: 0, max: 3_600, integer: true },
} satisfies Partial<Record<keyof WebSocketSettings, NumericRange>>;

export const SSE_RANGES = {
  maxEventBytes: { min: 16, max: 16 * 1024 * 1024, integer: true },
  idleTimeoutSeconds: { min: 0, max: 3_600, integer: true },
} satisfies Partial<Record<keyof SseSettings, NumericRange>>;

export const HTTP_POLL_RANGES = {
  minIntervalMs: { min: 100, max: 3_600_000, integer: true },
  intervalMs: { min: 100, max: 86_400_000, integer: true },
  maxResponseBytes: { min: 1_024, max: 64 * 1024 * 1024, integer: true },
  dedupeWindow: { min: 1, max: 1_000_000, integer: true },
} satisfies Partial<Record<keyof HttpPollSettings, NumericRange>>;

/** Text limits of settings and query fields. */
export const WEB_TEXT_LIMITS = {
  url: 2_048,
  path: 2_048,
  /** Connect message and request body. */
  message: 64 * 1024,
  headerValue: 8_192,
  /** Headers, query parameters and SSE event names, each. */
  entries: 64,
  eventName: 200,
  rowsPath: 256,
  contentType: 200,
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function readBoolean(raw: Raw, key: string, prefix: string, fallback: boolean, problems: string[]): boolean {
  const given = raw[key];
  if (isMissing(given)) {
    return fallback;
  }
  if (typeof given !== 'boolean') {
    problems.push(`${prefix}.${key} must be true or false (got ${describe(given)})`);
    return fallback;
  }
  return given;
}

/** Text that may hold line breaks and tabs (JSON messages, bodies) but no other control character. */
function readMultilineText(raw: Raw, key: string, prefix: string, maxLength: number, problems: string[]): string | undefined {
  const given = raw[key];
  if (isMissing(given)) {
    return undefined;
  }
  if (typeof given !== 'string') {
    problems.push(`${prefix}.${key} must be text (got ${describe(given)})`);
    return undefined;
  }
  if (given.length > maxLength) {
    problems.push(`${prefix}.${key} must be at most ${maxLength} characters (got ${given.length})`);
    return undefined;
  }
  if (hasControlCharacter(given.replace(/[\r\n\t]/g, ''))) {
    problems.push(`${prefix}.${key} must not contain control characters other than line breaks and tabs`);
    return undefined;
  }
  return given;
}

/** Why `url` is not a usable base URL of a `kind` source, or undefined. */
export function webUrlError(kind: WebSourceKind, url: unknown, prefix: string): string | undefined {
  const schemes = WEB_URL_SCHEMES[kind];
  const example = `${schemes[0]}//server:8080/`;
  if (isMissing(url)) {
    return `${prefix}.url is required, like ${example}`;
  }
  if (typeof url !== 'string') {
    return `${prefix}.url must be text (got ${describe(url)})`;
  }
  if (url.length > WEB_TEXT_LIMITS.url) {
    return `${prefix}.url must be at most ${WEB_TEXT_LIMITS.url} characters (got ${url.length})`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return `${prefix}.url ${describe(url)} is not a URL; write it like ${example}`;
  }
  if (!schemes.includes(parsed.protocol)) {
    return `${prefix}.url must start with ${schemes.map((s) => `${s}//`).join(' or ')} (got ${describe(parsed.protocol)})`;
  }
  if (parsed.hostname === '') {
    return `${prefix}.url ${describe(url)} names no host`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return `${prefix}.url must not hold a user name or password: put credentials in a secret header (e.g. Authorization)`;
  }
  return undefined;
}

/** Headers or query parameters: names, values, and a secure value for each secret one. */
function readNameValues(raw: Raw, key: 'headers' | 'queryParams', prefix: string, secure: Set<string>, problems: string[]): NameValue[] {
  const given = raw[key];
  if (isMissing(given)) {
    return [];
  }
  const label = `${prefix}.${key}`;
  if (!Array.isArray(given)) {
    problems.push(`${label} must be a list of {name, value, secret} (got ${describe(given)})`);
    return [];
  }
  if (given.length > WEB_TEXT_LIMITS.entries) {
    problems.push(`${label} may hold at most ${WEB_TEXT_LIMITS.entries} entries (got ${given.length})`);
    return [];
  }
  const kind = key === 'headers' ? 'header' : 'query';
  const seen = new Set<string>();
  const out: NameValue[] = [];
  given.forEach((entry: unknown, index) => {
    const at = `${label}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at} must be an object {name, value, secret} (got ${describe(entry)})`);
      return;
    }
    const item = entry as Raw;
    const name = typeof item.name === 'string' ? item.name.trim() : '';
    if (name === '') {
      problems.push(`${at}.name is required`);
      return;
    }
    if (kind === 'header' && !HEADER_NAME.test(name)) {
      problems.push(`${at}.name ${describe(name)} is not a valid HTTP header name`);
      return;
    }
    if (kind === 'query' && hasControlCharacter(name)) {
      problems.push(`${at}.name must not contain control characters`);
      return;
    }
    const identity = kind === 'header' ? name.toLowerCase() : name;
    if (seen.has(identity)) {
      problems.push(`${at}: ${kind === 'header' ? 'header' : 'query parameter'} ${describe(name)} is listed twice`);
      return;
    }
    seen.add(identity);
    const secret = item.secret === true;
    if (!isMissing(item.secret) && typeof item.secret !== 'boolean') {
      problems.push(`${at}.secret must be true or false (got ${describe(item.secret)})`);
      return;
    }
    if (secret) {
      if (!isMissing(item.value)) {
        problems.push(`${at} is secret but has a plain value: a secret value belongs in secureJsonData["${secretKey(kind, name)}"], remove "value"`);
        return;
      }
      if (!secure.has(secretKey(kind, name))) {
        problems.push(`${at} ${describe(name)} is secret but secureJsonData["${secretKey(kind, name)}"] is not set: enter its value`);
        return;
      }
      out.push({ name, secret: true });
      return;
    }
    const value = isMissing(item.value) ? '' : item.value;
    if (typeof value !== 'string') {
      problems.push(`${at}.value must be text (got ${describe(item.value)})`);
      return;
    }
    if (value.length > WEB_TEXT_LIMITS.headerValue || /[\r\n\0]/.test(value)) {
      problems.push(`${at}.value must be one line of at most ${WEB_TEXT_LIMITS.headerValue} characters`);
      return;
    }
    out.push({ name, value });
  });
  return out;
}

function validateEndpoint(kind: WebSourceKind, raw: Raw, prefix: string, defaults: WebEndpointSettings, secure: Set<string>, problems: string[]): WebEndpointSettings {
  const urlError = webUrlError(kind, raw.url, prefix);
  if (urlError) {
    problems.push(urlError);
  }
  const url = urlError ? defaults.url : (raw.url as string).trim();
  const headers = readNameValues(raw, 'headers', prefix, secure, problems);
  const queryParams = readNameValues(raw, 'queryParams', prefix, secure, problems);
  const endpoint: WebEndpointSettings = {
    url,
    headers,
    queryParams,
    tlsSkipVerify: readBoolean(raw, 'tlsSkipVerify', prefix, defaults.tlsSkipVerify, problems),
    allowCrossHostRedirects: readBoolean(raw, 'allowCrossHostRedirects', prefix, defaults.allowCrossHostRedirects, problems),
    connectTimeoutMs: 0,
    reconnectMinMs: 0,
    reconnectMaxMs: 0,
  };
  for (const key of Object.keys(WEB_ENDPOINT_RANGES) as Array<keyof typeof WEB_ENDPOINT_RANGES>) {
    endpoint[key] = readRanged(raw, key, prefix, WEB_ENDPOINT_RANGES[key], defaults[key], problems);
  }
  if (endpoint.reconnectMaxMs < endpoint.reconnectMinMs) {
    problems.push(`${prefix}.reconnectMaxMs (${endpoint.reconnectMaxMs}) must not be below ${prefix}.reconnectMinMs (${endpoint.reconnectMinMs})`);
  }

  // Secure values nobody reads are a mistake the user should see (a header renamed, a secret left behind).
  for (const key of secure) {
    const header = key.startsWith('header:') ? headers.find((h) => h.secret && secretKey('header', h.name) === key) : undefined;
    const param = key.startsWith('query:') ? queryParams.find((q) => q.secret && secretKey('query', q.name) === key) : undefined;
    if ((key.startsWith('header:') && !header) || (key.startsWith('query:') && !param)) {
      problems.push(`secureJsonData["${key}"] is set but no secret ${key.startsWith('header:') ? 'header' : 'query parameter'} of that name is listed in ${prefix}: add it or clear the secret`);
    }
  }
  if (secure.has('tlsClientCert') !== secure.has('tlsClientKey')) {
    problems.push('a TLS client certificate and its private key go together (secureJsonData.tlsClientCert and tlsClientKey): set both or neither');
  }
  if (!urlError) {
    const tlsKeys = WEB_TLS_SECURE_KEYS.filter((key) => secure.has(key));
    if (!TLS_SCHEMES.has(new URL(url).protocol) && (tlsKeys.length > 0 || endpoint.tlsSkipVerify)) {
      const what = [...tlsKeys, ...(endpoint.tlsSkipVerify ? ['tlsSkipVerify'] : [])].join(', ');
      problems.push(`TLS settings (${what}) are set but ${prefix}.url is not encrypted; use ${kind === 'websocket' ? 'wss://' : 'https://'} or remove them`);
    }
  }
  return endpoint;
}

export type WebSettingsOf = { websocket: WebSocketSettings; sse: SseSettings; 'http-poll': HttpPollSettings };

export interface WebSettingsValidation<K extends WebSourceKind> {
  settings: WebSettingsOf[K];
  buffer: BufferSettings;
  problems: string[];
}

/** Checks one web kind's settings (`jsonData[WEB_SETTINGS_KEY[kind]]`) and jsonData.buffer. */
export function validateWebSettings<K extends WebSourceKind>(kind: K, json: unknown, bufferJson: unknown, secureKeys: Iterable<string> = []): WebSettingsValidation<K> {
  const problems: string[] = [];
  const prefix = WEB_SETTINGS_KEY[kind];
  const raw = asObject(json, prefix, problems);
  const secure = new Set(secureKeys);
  let settings: WebSocketSettings | SseSettings | HttpPollSettings;
  if (kind === 'websocket') {
    const endpoint = validateEndpoint(kind, raw, prefix, DEFAULT_WEBSOCKET_SETTINGS, secure, problems);
    const ws: WebSocketSettings = { ...DEFAULT_WEBSOCKET_SETTINGS, ...endpoint };
    const message = readMultilineText(raw, 'connectMessage', prefix, WEB_TEXT_LIMITS.message, problems);
    if (message !== undefined) {
      ws.connectMessage = message;
    }
    for (const key of Object.keys(WEBSOCKET_RANGES) as Array<keyof typeof WEBSOCKET_RANGES>) {
      ws[key] = readRanged(raw, key, prefix, WEBSOCKET_RANGES[key], DEFAULT_WEBSOCKET_SETTINGS[key], problems);
    }
    settings = ws;
  } else if (kind === 'sse') {
    const endpoint = validateEndpoint(kind, raw, prefix, DEFAULT_SSE_SETTINGS, secure, problems);
    const sse: SseSettings = { ...DEFAULT_SSE_SETTINGS, ...endpoint };
    const events = readEventNames(raw.events, `${prefix}.events`, problems);
    if (events !== undefined) {
      sse.events = events;
    }
    for (const key of Object.keys(SSE_RANGES) as Array<keyof typeof SSE_RANGES>) {
      sse[key] = readRanged(raw, key, prefix, SSE_RANGES[key], DEFAULT_SSE_SETTINGS[key], problems);
    }
    settings = sse;
  } else {
    const endpoint = validateEndpoint(kind, raw, prefix, DEFAULT_HTTP_POLL_SETTINGS, secure, problems);
    const poll: HttpPollSettings = { ...DEFAULT_HTTP_POLL_SETTINGS, ...endpoint };
    const method = readMethod(raw.method, `${prefix}.method`, problems);
    if (method !== undefined) {
      poll.method = method;
    }
    const body = readMultilineText(raw, 'body', prefix, WEB_TEXT_LIMITS.message, problems);
    if (body !== undefined) {
      if (poll.method === 'GET') {
        problems.push(`${prefix}.body is set but ${prefix}.method is GET, which sends no body: use POST or PUT, or clear the body`);
      } else {
        poll.body = body;
      }
    }
    const contentType = readText(raw, 'bodyContentType', prefix, WEB_TEXT_LIMITS.contentType, problems);
    if (contentType !== undefined) {
      poll.bodyContentType = contentType;
    }
    const rowsPath = readText(raw, 'rowsPath', prefix, WEB_TEXT_LIMITS.rowsPath, problems);
    if (rowsPath !== undefined) {
      poll.rowsPath = rowsPath;
    }
    poll.dedupeRows = readBoolean(raw, 'dedupeRows', prefix, DEFAULT_HTTP_POLL_SETTINGS.dedupeRows, problems);
    for (const key of Object.keys(HTTP_POLL_RANGES) as Array<keyof typeof HTTP_POLL_RANGES>) {
      poll[key] = readRanged(raw, key, prefix, HTTP_POLL_RANGES[key], DEFAULT_HTTP_POLL_SETTINGS[key], problems);
    }
    if (poll.intervalMs < poll.minIntervalMs) {
      problems.push(`${prefix}.intervalMs (${poll.intervalMs}) must not be below ${prefix}.minIntervalMs (${poll.minIntervalMs})`);
    }
    settings = poll;
  }
  const bufferRaw = asObject(bufferJson, 'buffer', problems);
  const buffer = { ...DEFAULT_BUFFER_SETTINGS };
  for (const key of Object.keys(BUFFER_RANGES) as Array<keyof BufferSettings>) {
    buffer[key] = readRanged(bufferRaw, key, 'buffer', BUFFER_RANGES[key], DEFAULT_BUFFER_SETTINGS[key], problems);
  }
  return { settings: settings as WebSettingsOf[K], buffer, problems };
}

function readEventNames(given: unknown, label: string, problems: string[]): string[] | undefined {
  if (given === undefined || given === null) {
    return undefined;
  }
  if (!Array.isArray(given) || given.some((name) => typeof name !== 'string')) {
    problems.push(`${label} must be a list of event names (got ${describe(given)})`);
    return undefined;
  }
  if (given.length > WEB_TEXT_LIMITS.entries) {
    problems.push(`${label} may hold at most ${WEB_TEXT_LIMITS.entries} names (got ${given.length})`);
    return undefined;
  }
  const names = (given as string[]).map((name) => name.trim());
  const bad = names.find((name) => name === '' || name.length > WEB_TEXT_LIMITS.eventName || hasControlCharacter(name));
  if (bad !== undefined) {
    problems.push(`${label}: ${describe(bad)} is not an event name (1 to ${WEB_TEXT_LIMITS.eventName} characters, no control characters)`);
    return undefined;
  }
  return [...new Set(names)];
}

function readMethod(given: unknown, label: string, problems: string[]): HttpPollMethod | undefined {
  if (isMissing(given)) {
    return undefined;
  }
  const method = typeof given === 'string' ? given.trim().toUpperCase() : given;
  if (!(HTTP_POLL_METHODS as readonly unknown[]).includes(method)) {
    problems.push(`${label} must be one of ${HTTP_POLL_METHODS.join(', ')} (got ${describe(given)})`);
    return undefined;
  }
  return method as HttpPollMethod;
}

/** Why a query's `path` cannot be used: it must be a path (and query) on the configured host, never a URL. */
export function webPathError(path: unknown): string | undefined {
  if (typeof path !== 'string') {
    return `path must be text (got ${describe(path)})`;
  }
  if (path.length > WEB_TEXT_LIMITS.path) {
    return `path must be at most ${WEB_TEXT_LIMITS.path} characters (got ${path.length})`;
  }
  if (hasControlCharacter(path)) {
    return 'path must not contain control characters';
  }
  const trimmed = path.trim();
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed) || trimmed.startsWith('//') || trimmed.startsWith('\\')) {
    return `path ${describe(path)} names a host: a query may only choose a path on the datasource's URL (like /feed?room=1)`;
  }
  return undefined;
}

export type WebStreamSpec = WebSocketStreamSpec | SseStreamSpec | HttpPollStreamSpec;

export type WebQueryProblem = { field: string; message: string; beyondSettings: boolean };

/**
 * Reads a web query's stream fields (path; WebSocket `connectMessage`; SSE `events`; polling `method`,
 * `body`, `pollIntervalMs`, `rowsPath`). Template variables are already replaced by the frontend.
 */
export function validateWebStreamQuery(
  kind: WebSourceKind,
  raw: Raw,
  settings?: { minIntervalMs?: number },
): { ok: true; spec: WebStreamSpec } | { ok: false; problem: WebQueryProblem } {
  const fail = (field: string, message: string, beyondSettings = false) => ({ ok: false as const, problem: { field, message, beyondSettings } });
  let path: string | undefined;
  if (!isMissing(raw.path)) {
    const error = webPathError(raw.path);
    if (error) {
      return fail('path', error);
    }
    path = (raw.path as string).trim();
  }
  const problems: string[] = [];
  if (kind === 'websocket') {
    const connectMessage = readMultilineText(raw, 'connectMessage', 'query', WEB_TEXT_LIMITS.message, problems);
    if (problems.length > 0) {
      return fail('connectMessage', problems[0]);
    }
    return { ok: true, spec: { path, connectMessage } };
  }
  if (kind === 'sse') {
    if (!isMissing(raw.events) && typeof raw.events === 'string') {
      // The editor may send a comma-separated list.
      raw = { ...raw, events: raw.events.split(',').filter((name) => name.trim() !== '') };
    }
    const events = isMissing(raw.events) ? undefined : readEventNames(raw.events, 'events', problems);
    if (problems.length > 0) {
      return fail('events', problems[0]);
    }
    return { ok: true, spec: { path, events: events && events.length > 0 ? events : undefined } };
  }
  const method = readMethod(raw.method, 'method', problems);
  if (problems.length > 0) {
    return fail('method', problems[0]);
  }
  const body = readMultilineText(raw, 'body', 'query', WEB_TEXT_LIMITS.message, problems);
  if (problems.length > 0) {
    return fail('body', problems[0]);
  }
  if (body !== undefined && method === 'GET') {
    return fail('body', 'a body is set but the method is GET, which sends no body: use POST or PUT, or clear the body');
  }
  let intervalMs: number | undefined;
  // `pollIntervalMs`, not `intervalMs`: Grafana overwrites a query's `intervalMs` with the panel's interval.
  if (!isMissing(raw.pollIntervalMs)) {
    const value = readNumber(raw.pollIntervalMs);
    const range = HTTP_POLL_RANGES.intervalMs;
    if (value === undefined || !Number.isInteger(value) || value < range.min || value > range.max) {
      return fail('pollIntervalMs', `pollIntervalMs must be a whole number of ms from ${range.min} to ${range.max} (got ${describe(raw.pollIntervalMs)})`);
    }
    const min = settings?.minIntervalMs ?? range.min;
    if (value < min) {
      return fail('pollIntervalMs', `pollIntervalMs must be at least ${min}: this datasource's settings allow no faster polling (got ${value})`, true);
    }
    intervalMs = value;
  }
  const rowsPath = readText(raw, 'rowsPath', 'query', WEB_TEXT_LIMITS.rowsPath, problems);
  if (problems.length > 0) {
    return fail('rowsPath', problems[0]);
  }
  return { ok: true, spec: { path, method, body, intervalMs, rowsPath } };
}

/** The stream identity text of a spec: members in a fixed order, missing ones left out (equal specs, equal text). */
export function webStreamText(spec: WebStreamSpec): string {
  const ordered: Record<string, unknown> = {};
  for (const key of ['path', 'connectMessage', 'events', 'method', 'body', 'intervalMs', 'rowsPath']) {
    const value = (spec as Record<string, unknown>)[key];
    if (value !== undefined) {
      ordered[key] = value;
    }
  }
  return JSON.stringify(ordered);
}

/** Reads webStreamText back; undefined when it is not one. */
export function parseWebStreamText(text: string): WebStreamSpec | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as WebStreamSpec) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a stream text carries a connect message or request body: those may hold credentials, so
 * its live channel path names it by hash only (the text stays in the backend's channel store).
 */
export function webStreamHoldsText(stream: string): boolean {
  const spec = parseWebStreamText(stream) as Record<string, unknown> | undefined;
  return spec !== undefined && (spec.connectMessage !== undefined || spec.body !== undefined);
}
