/**
 * Server-Sent Events source: one response stream per distinct URL path + event filter, shared by every
 * query and stream asking for it (SharedStreams), kept up by a ReconnectLoop. Each reconnect sends
 * `Last-Event-ID` with the last id seen, so a server that keeps history replays what was missed; a
 * `retry:` field stretches the reconnect delay (within the cap). A message's topic is its event name.
 */
import type { SseSettings, SseStreamSpec } from '../../../../src/shared/webSources';
import type { Upstream, UpstreamContext } from '../common/sharedStreams';
import { WebSource, type WebSourceOptions } from '../common/webSource';
import { StatusTracker } from '../common/statusTracker';
import { ReconnectLoop, type Attempt } from '../common/reconnectLoop';
import { endpointKey, redact, resolveEndpoint, type Endpoint } from '../common/endpoint';
import { describeHttpStatus, describeNetworkError } from '../common/errors';
import { openHttp, readExcerpt } from '../common/httpRequest';
import { SseParser } from './parser';

export type SseSourceOptions = WebSourceOptions<SseSettings>;

const SCHEMES = ['http:', 'https:'];

export class SseSource extends WebSource<SseSettings, SseStreamSpec> {
  constructor(options: SseSourceOptions) {
    super(options, SCHEMES, options.settings.maxEventBytes);
  }

  private events(spec: SseStreamSpec): string[] {
    const names = (spec.events ?? this.options.settings.events).map((name) => name.trim()).filter((name) => name !== '');
    return [...new Set(names)].sort();
  }

  protected keyOf(spec: SseStreamSpec): string {
    const endpoint = resolveEndpoint(this.options.settings, this.options.secure, spec.path, SCHEMES);
    const events = this.events(spec);
    return events.length === 0 ? endpointKey(endpoint) : `${endpointKey(endpoint)} [${events.join(',')}]`;
  }

  protected start(spec: SseStreamSpec, context: UpstreamContext): Upstream {
    const { settings } = this.options;
    const endpoint = resolveEndpoint(settings, this.options.secure, spec.path, SCHEMES);
    const events = this.events(spec);
    const stream = new EventStream(settings, endpoint, events.length === 0 ? undefined : new Set(events), context);
    const status = new StatusTracker(`SSE stream ${endpoint.display}`, context.logger, () => context.changed(), () => context.metrics?.reconnected());
    const loop = new ReconnectLoop(
      status,
      { minMs: settings.reconnectMinMs, maxMs: settings.reconnectMaxMs, random: this.options.random },
      (attempt) => stream.open(attempt),
    );
    return { state: () => status.state(), problem: () => stream.problem(), close: () => loop.close() };
  }
}

/** What survives reconnects of one SSE stream: the last event id, the server's retry delay, the drop count. */
class EventStream {
  private lastEventId = '';
  private retryMs?: number;
  private oversize = 0;

  constructor(
    private readonly settings: SseSettings,
    private readonly endpoint: Endpoint,
    private readonly events: Set<string> | undefined,
    private readonly context: UpstreamContext,
  ) {}

  problem(): string | undefined {
    if (this.oversize === 0) return undefined;
    return `${this.oversize} event(s) longer than ${this.settings.maxEventBytes} characters were dropped (maxEventBytes)`;
  }

  open(attempt: Attempt): () => void {
    const abort = new AbortController();
    void this.run(attempt, abort.signal);
    return () => abort.abort();
  }

  private async run(attempt: Attempt, signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (this.lastEventId !== '') headers['last-event-id'] = this.lastEventId;
    let response;
    try {
      ({ response } = await openHttp({
        endpoint: this.endpoint,
        method: 'GET',
        headers,
        timeoutMs: this.settings.connectTimeoutMs,
        allowCrossHostRedirects: this.settings.allowCrossHostRedirects,
        signal,
      }));
    } catch (error) {
      if (!signal.aborted) attempt.ended(describeNetworkError(error, this.endpoint.url), this.retryMs);
      return;
    }
    if (signal.aborted) {
      response.destroy();
      return;
    }
    signal.addEventListener('abort', () => response.destroy(), { once: true });
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      const excerpt = redact(await readExcerpt(response), this.endpoint.secrets);
      attempt.ended(describeHttpStatus(status, response.statusMessage, excerpt), this.retryMs);
      return;
    }
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'text/event-stream') {
      response.destroy();
      attempt.ended(`the server answered with Content-Type ${JSON.stringify(contentType || '(none)')}, not text/event-stream`, this.retryMs);
      return;
    }
    response.socket?.setKeepAlive(true, 30_000);
    attempt.connected();
    const parser = new SseParser({
      maxEventChars: this.settings.maxEventBytes,
      onEvent: (event) => {
        if (this.events && !this.events.has(event.type)) return;
        this.context.metrics?.received();
        this.context.ring.append(event.type, Buffer.from(event.data, 'utf8'));
      },
      onRetry: (ms) => {
        this.retryMs = ms;
      },
      onOversize: () => {
        this.oversize++;
        this.context.metrics?.rejected('oversize');
      },
    });
    parser.lastEventId = this.lastEventId;
    const ended = (why: string) => {
      this.lastEventId = parser.lastEventId;
      attempt.ended(why, this.retryMs);
    };
    // A server that went away without closing (a half-open connection) is noticed by silence, when asked to.
    const idleMs = this.settings.idleTimeoutSeconds * 1000;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = () => {
      if (idleMs <= 0) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        ended(`nothing received from ${this.endpoint.url.host} for ${this.settings.idleTimeoutSeconds} s (idleTimeoutSeconds); reopening the stream`);
        response.destroy();
      }, idleMs);
    };
    response.once('close', () => clearTimeout(idleTimer));
    armIdle();
    response.on('data', (chunk: Buffer) => {
      armIdle();
      parser.feed(chunk);
      this.lastEventId = parser.lastEventId;
    });
    response.once('end', () => ended('the server ended the event stream'));
    response.once('error', (error) => ended(describeNetworkError(error, this.endpoint.url)));
    response.once('close', () => ended(`the connection to ${this.endpoint.url.host} was closed`));
  }
}
