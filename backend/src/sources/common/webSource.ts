/**
 * What every web source kind (WebSocket, SSE, HTTP polling) shares: its options, one upstream per
 * distinct request held in SharedStreams, and the holder API the datasource glue uses. A kind adds
 * only how a request is keyed and how its upstream starts.
 */
import type { Logger } from '@tributary/grafana-backend-sdk';
import type { ConnectionState } from '../contracts';
import type { BufferSettings } from '../../../../src/shared/mqtt';
import type { WebEndpointSettings } from '../../../../src/shared/webSources';
import type { DatasourceSourceMetrics } from '../metrics';
import { resolveEndpoint, type WebSecureValues } from './endpoint';
import { SharedStreams, type StreamSubscription, type Upstream, type UpstreamContext } from './sharedStreams';

export interface WebSourceOptions<S extends WebEndpointSettings> {
  settings: S;
  secure: WebSecureValues;
  buffer: BufferSettings;
  logger?: Logger;
  metrics?: DatasourceSourceMetrics;
  /** [0, 1) for the backoff jitter (tests pin it). */
  random?: () => number;
}

export abstract class WebSource<S extends WebEndpointSettings, Spec extends object> {
  private readonly streams: SharedStreams<Spec>;

  protected constructor(
    protected readonly options: WebSourceOptions<S>,
    protected readonly schemes: readonly string[],
    maxPayloadBytes?: number,
  ) {
    // The settings URL is checked now: a bad one fails here, not at the first query.
    resolveEndpoint(options.settings, options.secure, undefined, schemes);
    this.streams = new SharedStreams<Spec>(
      { buffer: options.buffer, maxPayloadBytes, logger: options.logger, metrics: options.metrics },
      (spec) => this.keyOf(spec),
      (spec, context) => this.start(spec, context),
    );
  }

  /** A holder of the shared upstream for `spec` (started if new). Throws an Error saying why when the spec is not usable. */
  subscribe(spec: Spec = {} as Spec): StreamSubscription {
    return this.streams.subscribe(spec);
  }

  /** Worst state of all upstreams (failing > connecting > connected), undefined when none is open. */
  state(): ConnectionState | undefined {
    return this.streams.state();
  }

  states(): { key: string; state: ConnectionState }[] {
    return this.streams.states();
  }

  close(): void {
    this.streams.close();
  }

  /** Equal keys share one upstream. */
  protected abstract keyOf(spec: Spec): string;

  protected abstract start(spec: Spec, context: UpstreamContext): Upstream;
}
