/**
 * HTTP polling source: one poller per distinct request (path, method, body, interval, rows path),
 * shared by every query and stream asking for it (SharedStreams). Each poll is a conditional request
 * when the server gave an ETag or a Last-Modified (304: nothing new); each new row of the JSON answer
 * becomes one message (its JSON text), rows seen before are skipped. A message's topic is the URL path.
 */
import type { ConnectionState } from '../contracts';
import type { HttpPollMethod, HttpPollSettings, HttpPollStreamSpec } from '../../../../src/shared/webSources';
import { keyDigest, type Upstream, type UpstreamContext } from '../common/sharedStreams';
import { WebSource, type WebSourceOptions } from '../common/webSource';
import { StatusTracker } from '../common/statusTracker';
import { backoffDelayMs } from '../common/backoff';
import { endpointKey, redact, resolveEndpoint, type Endpoint } from '../common/endpoint';
import { describeHttpStatus, describeNetworkError, SourceError } from '../common/errors';
import { openHttp, readBody, readExcerpt } from '../common/httpRequest';
import { parseRowsPath, rowsAt, SeenRows, type RowsPath } from './rows';

export type HttpPollSourceOptions = WebSourceOptions<HttpPollSettings>;

const SCHEMES = ['http:', 'https:'];

/** A poll request with the query's choices applied to the settings' defaults. */
interface PollRequest {
  path: string;
  method: HttpPollMethod;
  body?: string;
  intervalMs: number;
  rowsPathText: string;
  rowsPath: RowsPath;
}

export class HttpPollSource extends WebSource<HttpPollSettings, HttpPollStreamSpec> {
  constructor(options: HttpPollSourceOptions) {
    super(options, SCHEMES);
    parseRowsPath(options.settings.rowsPath);
  }

  /** The effective request: the interval is raised to `minIntervalMs`. */
  request(spec: HttpPollStreamSpec): PollRequest {
    const { settings } = this.options;
    const rowsPathText = (spec.rowsPath ?? settings.rowsPath ?? '').trim();
    return {
      path: (spec.path ?? '').trim(),
      method: spec.method ?? settings.method,
      body: spec.body ?? settings.body,
      intervalMs: Math.max(settings.minIntervalMs, spec.intervalMs ?? settings.intervalMs),
      rowsPathText,
      rowsPath: parseRowsPath(rowsPathText),
    };
  }

  protected keyOf(spec: HttpPollStreamSpec): string {
    const request = this.request(spec);
    const endpoint = resolveEndpoint(this.options.settings, this.options.secure, request.path, SCHEMES);
    const body = request.method === 'GET' || !request.body ? '' : ` body#${keyDigest(request.body)}`;
    return `${request.method} ${endpointKey(endpoint)} every ${request.intervalMs} ms rows ${JSON.stringify(request.rowsPathText)}${body}`;
  }

  protected start(spec: HttpPollStreamSpec, context: UpstreamContext): Upstream {
    const request = this.request(spec);
    const endpoint = resolveEndpoint(this.options.settings, this.options.secure, request.path, SCHEMES);
    return new Poller(this.options.settings, endpoint, request, context, this.options.random);
  }
}

class Poller implements Upstream {
  private readonly status: StatusTracker;
  private readonly seen: SeenRows;
  private readonly abort = new AbortController();
  private etag?: string;
  private lastModified?: string;
  private failuresInARow = 0;
  private attempts = 0;
  private lastError?: string;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly settings: HttpPollSettings,
    private readonly endpoint: Endpoint,
    private readonly request: PollRequest,
    private readonly context: UpstreamContext,
    private readonly random?: () => number,
  ) {
    this.status = new StatusTracker(`HTTP poll ${endpoint.display}`, context.logger, () => context.changed(), () => context.metrics?.reconnected());
    this.seen = new SeenRows(settings.dedupeWindow);
    void this.poll();
  }

  state(): ConnectionState {
    return this.status.state();
  }

  problem(): string | undefined {
    return undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    this.status.closed();
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    if (this.status.state().state !== 'connected') this.status.connecting(++this.attempts, this.lastError);
    try {
      await this.pollOnce();
      this.failuresInARow = 0;
      this.attempts = 0;
      this.lastError = undefined;
      this.status.connected();
      this.schedule(this.request.intervalMs);
    } catch (error) {
      if (this.closed) return;
      this.failuresInARow++;
      this.lastError = describeNetworkError(error, this.endpoint.url);
      // Never more often than the interval; longer when the backoff has grown past it.
      const retryInMs = Math.max(this.request.intervalMs, backoffDelayMs(this.failuresInARow, { minMs: this.settings.reconnectMinMs, maxMs: this.settings.reconnectMaxMs, random: this.random }));
      this.status.failing(this.lastError, retryInMs);
      this.schedule(retryInMs);
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async pollOnce(): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const body = this.request.method === 'GET' ? undefined : this.request.body;
    if (body !== undefined) headers['content-type'] = this.settings.bodyContentType;
    if (this.etag) headers['if-none-match'] = this.etag;
    if (this.lastModified) headers['if-modified-since'] = this.lastModified;
    const { response } = await openHttp({
      endpoint: this.endpoint,
      method: this.request.method,
      headers,
      body,
      timeoutMs: this.settings.connectTimeoutMs,
      allowCrossHostRedirects: this.settings.allowCrossHostRedirects,
      signal: this.abort.signal,
    });
    const status = response.statusCode ?? 0;
    if (status === 304) {
      response.resume();
      return;
    }
    if (status < 200 || status >= 300) {
      const excerpt = redact(await readExcerpt(response), this.endpoint.secrets);
      throw new SourceError(describeHttpStatus(status, response.statusMessage, excerpt));
    }
    const bytes = await readBody(response, this.settings.maxResponseBytes, Math.max(this.settings.connectTimeoutMs, this.request.intervalMs));
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new SourceError(`the response is not JSON (${redact(String((error as Error).message), this.endpoint.secrets).slice(0, 200)})`);
    }
    let rows: unknown[];
    try {
      rows = rowsAt(parsed, this.request.rowsPath, this.request.rowsPathText);
    } catch (error) {
      throw new SourceError((error as Error).message);
    }
    // Validators only after a usable answer: a broken one must not turn the next poll into a 304.
    this.etag = headerText(response.headers.etag);
    this.lastModified = headerText(response.headers['last-modified']);
    const receivedAtMs = Date.now();
    const topic = this.endpoint.url.pathname;
    for (const row of rows) {
      if (this.settings.dedupeRows && !this.seen.admit(row)) continue;
      this.context.metrics?.received();
      this.context.ring.append(topic, Buffer.from(JSON.stringify(row) ?? 'null', 'utf8'), receivedAtMs);
    }
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
