/**
 * The config editor's inline checks of the web source settings (src/shared/webSources.ts): URL and
 * header-name wording for a field being typed. The kinds, URL schemes and numeric ranges are the
 * backend settings check's own (src/shared/webValidation.ts), re-exported so both sides agree.
 */
import type { SourceKind } from './sources';
import { WEB_SOURCE_KINDS, WEB_URL_SCHEMES, type WebSourceKind } from './webValidation';

export {
  HTTP_POLL_RANGES,
  SSE_RANGES,
  WEBSOCKET_RANGES,
  WEB_ENDPOINT_RANGES,
  WEB_SETTINGS_KEY,
  WEB_SOURCE_KINDS,
  WEB_URL_SCHEMES,
  type WebSourceKind,
} from './webValidation';

export function isWebSourceKind(kind: SourceKind): kind is WebSourceKind {
  return (WEB_SOURCE_KINDS as readonly string[]).includes(kind);
}

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

/** Splits "a, b ,c" (an SSE event filter as typed) into event names; empty parts are dropped. */
export function parseEventList(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}
