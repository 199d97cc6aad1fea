/**
 * Where a web source connects and what it sends: the URL (a query's path resolved against the
 * settings URL, held to the same host), headers and query parameters with their secret values, TLS
 * options. The one place the web sources read secureJsonData; everything shown to users or logged goes
 * through `displayUrl` (no query string, no user:password) and `redact`.
 */
import { secretKey, type NameValue, type WebEndpointSettings } from '../../../../src/shared/webSources';
import { keyDigest } from './sharedStreams';

/** secureJsonData of a web source (tlsCACert, tlsClientCert, tlsClientKey, header:<name>, query:<name>). */
export type WebSecureValues = Record<string, string | undefined>;

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface Endpoint {
  /** The URL requested, query parameters (secret ones too) included. Never show it: use `display`. */
  url: URL;
  /** `scheme://host[:port]/path`, for messages, logs and stream names. */
  display: string;
  headers: Record<string, string>;
  /** Lower-case names of the headers whose values are secret (not sent to another host). */
  secretHeaders: Set<string>;
  /** Every secret value, for `redact`. */
  secrets: string[];
  tls: TlsOptions;
}

export class EndpointError extends Error {}

/** `scheme://host[:port]/path` of a URL: no user, password, query or fragment. */
export function displayUrl(url: URL | string): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The part of a stream key naming the URL: `display`, plus a digest of the query string when there is
 * one, so `/feed?room=1` and `/feed?room=2` are different streams (the query string itself may hold
 * secret parameters and is never shown).
 */
export function endpointKey(endpoint: Endpoint): string {
  return endpoint.url.search === '' ? endpoint.display : `${endpoint.display} query#${keyDigest(endpoint.url.search)}`;
}

/** Replaces every secret value in `text` (a server's answer may echo a header back). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('[secret]');
  return out;
}

/**
 * The endpoint for a query's `path` under the settings: throws an EndpointError saying why when the
 * URL is unusable, its scheme is not one of `schemes`, or the path leaves the configured host.
 */
export function resolveEndpoint(settings: WebEndpointSettings, secure: WebSecureValues, path: string | undefined, schemes: readonly string[]): Endpoint {
  let base: URL;
  try {
    base = new URL(settings.url);
  } catch {
    throw new EndpointError(`the URL ${JSON.stringify(settings.url)} is not a valid URL`);
  }
  if (!schemes.includes(base.protocol)) {
    throw new EndpointError(`the URL must start with ${schemes.map((s) => `${s}//`).join(' or ')} (got ${base.protocol}//)`);
  }
  if (base.username || base.password) throw new EndpointError('put credentials in a secret header, not in the URL');
  const trimmed = path?.trim() ?? '';
  let url: URL;
  try {
    url = trimmed === '' ? new URL(base) : new URL(trimmed, base);
  } catch {
    throw new EndpointError(`the path ${JSON.stringify(trimmed)} is not a valid URL path`);
  }
  if (url.protocol !== base.protocol || url.host !== base.host) {
    throw new EndpointError(`the path ${JSON.stringify(trimmed)} leaves ${base.host}: a query may only choose a path on the configured host`);
  }
  const secrets: string[] = [];
  const valueOf = (kind: 'header' | 'query', entry: NameValue): string | undefined => {
    if (!entry.secret) return entry.value ?? '';
    const value = secure[secretKey(kind, entry.name)];
    if (value === undefined) return undefined;
    secrets.push(value);
    return value;
  };
  for (const param of settings.queryParams) {
    if (!param.name.trim()) continue;
    const value = valueOf('query', param);
    if (value !== undefined) url.searchParams.append(param.name.trim(), value);
  }
  const headers: Record<string, string> = {};
  const secretHeaders = new Set<string>();
  for (const header of settings.headers) {
    const name = header.name.trim().toLowerCase();
    if (!name) continue;
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new EndpointError(`the header name ${JSON.stringify(header.name)} is not a valid HTTP header name`);
    const value = valueOf('header', header);
    if (value === undefined) continue;
    if (/[\r\n\0]/.test(value)) throw new EndpointError(`the value of header ${name} holds a line break or NUL`);
    headers[name] = value;
    if (header.secret) secretHeaders.add(name);
  }
  const tls: TlsOptions = { rejectUnauthorized: !settings.tlsSkipVerify };
  if (secure.tlsCACert) tls.ca = secure.tlsCACert;
  if (secure.tlsClientCert) tls.cert = secure.tlsClientCert;
  if (secure.tlsClientKey) tls.key = secure.tlsClientKey;
  for (const key of [tls.key]) if (key) secrets.push(key);
  return { url, display: displayUrl(url), headers, secretHeaders, secrets, tls };
}

/** Why following a redirect from `from` to `to` is refused, or undefined when it is allowed. */
export function redirectRefusal(from: URL, to: URL, allowCrossHost: boolean): string | undefined {
  if (allowCrossHost) return undefined;
  if (to.hostname.toLowerCase() !== from.hostname.toLowerCase()) {
    return `the server redirected to another host (${to.host}); refused (allowCrossHostRedirects is off)`;
  }
  if ((from.protocol === 'https:' || from.protocol === 'wss:') && (to.protocol === 'http:' || to.protocol === 'ws:')) {
    return `the server redirected from ${from.protocol}// to ${to.protocol}// (unencrypted); refused (allowCrossHostRedirects is off)`;
  }
  return undefined;
}

/** The headers to send to `to` when `from` was the original host: secret ones only to the same host. */
export function headersFor(endpoint: Endpoint, to: URL): Record<string, string> {
  if (to.hostname.toLowerCase() === endpoint.url.hostname.toLowerCase()) return { ...endpoint.headers };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers)) if (!endpoint.secretHeaders.has(name)) out[name] = value;
  return out;
}
