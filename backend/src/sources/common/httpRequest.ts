/**
 * One HTTP(S) request of a web source (SSE, polling) with node:http(s) — not fetch, whose TLS options
 * (CA, client certificate) need undici's Agent, a dependency of its own. Redirects are followed here,
 * never by the client, so each hop is checked: another host (or https → http) is refused unless the
 * settings allow it, and secret headers never go to another host.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { headersFor, redirectRefusal, type Endpoint } from './endpoint';
import { SourceError } from './errors';

export const MAX_REDIRECTS = 5;

export interface HttpCall {
  endpoint: Endpoint;
  method: string;
  /** Added to the endpoint's headers (Accept, If-None-Match, Last-Event-ID, …). */
  headers?: Record<string, string>;
  body?: string;
  /** No response headers by then: fails with "timed out". */
  timeoutMs: number;
  allowCrossHostRedirects: boolean;
  signal: AbortSignal;
}

export interface HttpAnswer {
  response: IncomingMessage;
  /** Where the answer came from (after redirects). */
  url: URL;
}

/** Sends the request, following allowed redirects; resolves with the final response (any status but 3xx-with-Location). */
export async function openHttp(call: HttpCall): Promise<HttpAnswer> {
  let url = call.endpoint.url;
  let method = call.method;
  let body = call.body;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(call, url, method, body);
    const location = response.headers.location;
    if (response.statusCode === undefined || response.statusCode < 300 || response.statusCode >= 400 || !location) {
      return { response, url };
    }
    response.resume();
    if (hop >= MAX_REDIRECTS) throw new SourceError(`more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new SourceError('the server redirected to an invalid URL');
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new SourceError(`the server redirected to a ${next.protocol} URL; refused`);
    const refusal = redirectRefusal(url, next, call.allowCrossHostRedirects);
    if (refusal) throw new SourceError(refusal);
    // 303 (and 301/302 after a POST, as browsers do) turn into a GET without a body.
    if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

function requestOnce(call: HttpCall, url: URL, method: string, body: string | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...headersFor(call.endpoint, url), ...call.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, {
      method,
      headers,
      signal: call.signal,
      // A connection per request: a pooled keep-alive socket the server has since closed (a restart)
      // would fail the next poll with a reset that says nothing about the server's real state.
      agent: false,
      ...(url.protocol === 'https:' ? call.endpoint.tls : {}),
    });
    const timer = setTimeout(() => {
      request.destroy(new SourceError(`timed out after ${call.timeoutMs} ms waiting for ${url.host} to answer`));
    }, call.timeoutMs);
    request.once('response', (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

/** The whole body, or a SourceError when it exceeds `maxBytes` or takes longer than `timeoutMs` (the transfer is stopped there). */
export function readBody(response: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A server trickling its answer must not hold the poller forever.
    const timer = setTimeout(() => {
      response.destroy();
      reject(new SourceError(`the response took longer than ${timeoutMs} ms to arrive; not read`));
    }, timeoutMs);
    response.once('close', () => clearTimeout(timer));
    const tooLarge = () => new SourceError(`the response is larger than ${maxBytes} bytes (maxResponseBytes); not read`);
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    response.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        response.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.once('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new SourceError('the server closed the connection before the response was complete'));
    });
  });
}

/** At most `maxBytes` of an error answer, as text (for the error message; redact it before showing). */
export async function readExcerpt(response: IncomingMessage, maxBytes = 512): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      response.destroy();
      resolve(Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'));
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= maxBytes) done();
    });
    response.once('end', done);
    response.once('error', done);
    setTimeout(done, 1_000).unref();
  });
}
