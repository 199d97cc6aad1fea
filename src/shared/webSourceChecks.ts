/**
 * Checks of the web source settings (src/shared/webSources.ts) that the config editor shows inline:
 * URL schemes, header names and the allowed ranges of the numeric settings. The ranges are the ones the
 * backend's settings check (src/shared/webValidation.ts on the backend glue branch) enforces; once both
 * are merged, this file should import them from there instead of repeating them.
 */
import type { NumericRange } from './ranges';
import type { SourceKind } from './sources';

export type WebSourceKind = Extract<SourceKind, 'websocket' | 'sse' | 'http-poll'>;

export const WEB_SOURCE_KINDS: readonly WebSourceKind[] = ['websocket', 'sse', 'http-poll'];

export function isWebSourceKind(kind: SourceKind): kind is WebSourceKind {
  return (WEB_SOURCE_KINDS as readonly string[]).includes(kind);
}

/** The jsonData key holding each web kind's settings. */
export const WEB_SETTINGS_KEY = { websocket: 'websocket', sse: 'sse', 'http-poll': 'httpPoll' } as const satisfies Record<WebSourceKind, string>;

/** URL schemes each web kind accepts. */
export const WEB_URL_SCHEMES: Record<WebSourceKind, readonly string[]> = {
  websocket: ['ws:', 'wss:'],
  sse: ['http:', 'https:'],
  'http-poll': ['http:', 'https:'],
};

/** Why `url` is not a usable base URL for `kind`, or undefined. Credentials in the URL are refused: they belong in a secret header. */
export function webUrlError(kind: WebSourceKind, url: string): string | undefined {
  const text = url.trim();
  const schemes = WEB_URL_SCHEMES[kind];
  const example = `${schemes[0]}//host:8080/path`;
  if (text === '') {
    return 'URL is required';
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return `URL "${text}" is not a URL (e.g. ${example})`;
  }
  if (!schemes.includes(parsed.protocol)) {
    return `URL must start with ${schemes.map((s) => `${s}//`).join(' or ')} (got ${parsed.protocol}//)`;
  }
  if (parsed.hostname === '') {
    return `URL must name a host (e.g. ${example})`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'Put credentials in a secret header, not in the URL';
  }
  return undefined;
}

/** Why `name` is not a valid HTTP header name (RFC 9110 token), or undefined. */
export function headerNameError(name: string): string | undefined {
  const text = name.trim();
  if (text === '') {
    return 'A header needs a name';
  }
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(text) ? undefined : `"${text}" is not a valid HTTP header name`;
}

/** Allowed ranges of the numeric settings every web source has. */
export const WEB_ENDPOINT_RANGES = {
  connectTimeoutMs: { min: 100, max: 120_000, integer: true },
  reconnectMinMs: { min: 10, max: 60_000, integer: true },
  reconnectMaxMs: { min: 100, max: 3_600_000, integer: true },
} satisfies Record<string, NumericRange>;

export const WEBSOCKET_RANGES = {
  maxMessageBytes: { min: 16, max: 16 * 1024 * 1024, integer: true },
  pingIntervalSeconds: { min: 0, max: 3_600, integer: true },
} satisfies Record<string, NumericRange>;

export const SSE_RANGES = {
  maxEventBytes: { min: 16, max: 16 * 1024 * 1024, integer: true },
  idleTimeoutSeconds: { min: 0, max: 3_600, integer: true },
} satisfies Record<string, NumericRange>;

/** The interval floor: a poll more often than every 100 ms is never useful and only loads the server. */
export const HTTP_POLL_RANGES = {
  intervalMs: { min: 100, max: 86_400_000, integer: true },
  minIntervalMs: { min: 100, max: 3_600_000, integer: true },
  maxResponseBytes: { min: 1_024, max: 64 * 1024 * 1024, integer: true },
  dedupeWindow: { min: 1, max: 1_000_000, integer: true },
} satisfies Record<string, NumericRange>;

/** Splits "a, b ,c" (an SSE event filter as typed) into event names; empty parts are dropped. */
export function parseEventList(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}
