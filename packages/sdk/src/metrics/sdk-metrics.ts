/**
 * The registry CollectMetrics exposes: prom-client's default process metrics plus the SDK's own
 * request and instance metrics (names follow the Go SDK where it has one).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Endpoint, RequestStatus } from '../middleware/types';

/** Outcome label of one answered query, from its HTTP-like status. */
export type QueryOutcome = 'ok' | 'bad_request' | 'too_large' | 'busy' | 'cancelled' | 'error';

export function queryOutcome(status: number): QueryOutcome {
  if (status < 400) return 'ok';
  if (status === 413) return 'too_large';
  if (status === 429 || status === 503) return 'busy';
  if (status === 499) return 'cancelled';
  return status < 500 ? 'bad_request' : 'error';
}

export class SdkMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'endpoint' | 'status'>;
  private readonly duration: Histogram<'endpoint'>;
  private readonly activeInstances: Gauge;
  private readonly instancesCreated: Counter;
  private readonly activeStreams: Gauge;
  private readonly queries: Counter<'status'>;

  /** `namespace` prefixes the per-query counter, e.g. `myplugin` → `myplugin_queries_total`. */
  constructor(registry: Registry = new Registry(), defaultMetrics = true, namespace = 'plugin') {
    this.registry = registry;
    if (defaultMetrics) collectDefaultMetrics({ register: registry });
    this.requests = new Counter({
      name: 'grafana_plugin_request_total',
      help: 'Plugin requests handled, by endpoint and outcome.',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'grafana_plugin_request_duration_seconds',
      help: 'Time spent handling plugin requests (RunStream: lifetime of the stream).',
      labelNames: ['endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    this.activeInstances = new Gauge({
      name: 'plugins_active_instances',
      help: 'Datasource instances currently alive.',
      registers: [registry],
    });
    this.instancesCreated = new Counter({
      name: 'plugins_datasource_instances_total',
      help: 'Datasource instances created since start.',
      registers: [registry],
    });
    this.queries = new Counter({
      name: `${namespace}_queries_total`,
      help: 'QueryData queries answered, by outcome: ok, bad_request, too_large, busy, cancelled, error.',
      labelNames: ['status'],
      registers: [registry],
    });
    this.activeStreams = new Gauge({
      name: 'grafana_plugin_active_streams',
      help: 'RunStream calls currently running.',
      registers: [registry],
    });
  }

  /** Starts timing a request; call the returned function once with its outcome. */
  startRequest(endpoint: Endpoint): (outcome: RequestStatus) => void {
    const started = performance.now();
    let done = false;
    if (endpoint === 'runStream') this.activeStreams.inc();
    return (outcome) => {
      if (done) return;
      done = true;
      memo(this.durations, endpoint, () => this.duration.labels({ endpoint })).observe((performance.now() - started) / 1000);
      memo(this.requestCounts, `${endpoint} ${outcome}`, () => this.requests.labels({ endpoint, status: outcome })).inc();
      if (endpoint === 'runStream') this.activeStreams.dec();
    };
  }

  /** Counts one answered query (every refId of every QueryData, whatever stage answered it). */
  queryAnswered(status: number): void {
    const outcome = queryOutcome(status);
    memo(this.queryCounts, outcome, () => this.queries.labels({ status: outcome })).inc();
  }

  // Labelled children made once per label set: every call records these, and an unbound prom-client
  // call hashes its label object each time (a measurable part of the per-call cost).
  private readonly durations = new Map<string, Histogram.Internal<string>>();
  private readonly requestCounts = new Map<string, Counter.Internal>();
  private readonly queryCounts = new Map<string, Counter.Internal>();

  instanceCreated(): void {
    this.instancesCreated.inc();
    this.activeInstances.inc();
  }

  instanceDisposed(): void {
    this.activeInstances.dec();
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

function memo<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
