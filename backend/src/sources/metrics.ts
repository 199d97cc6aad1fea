/**
 * Prometheus metrics of the message sources, in Tributary's registry (get-or-create per registry, like
 * datasource/metrics.ts). Labels: the datasource uid and the source kind only, never a topic, so the
 * cardinality is bounded by the number of datasources.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionState } from './contracts';
import type { BufferObserver } from './buffer';

export interface SourceMetrics {
  received: Counter<'datasource_uid' | 'source'>;
  rejected: Counter<'datasource_uid' | 'source' | 'reason'>;
  bufferedMessages: Gauge<'datasource_uid' | 'source'>;
  bufferedBytes: Gauge<'datasource_uid' | 'source'>;
  dropped: Counter<'datasource_uid' | 'source' | 'reason'>;
  connectionState: Gauge<'datasource_uid' | 'source' | 'state'>;
  reconnects: Counter<'datasource_uid' | 'source'>;
  subscriptions: Gauge<'datasource_uid' | 'source'>;
}

const byRegistry = new WeakMap<Registry, SourceMetrics>();

export function sourceMetrics(registry: Registry): SourceMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createMetrics(registry: Registry): SourceMetrics {
  const registers = [registry];
  return {
    received: new Counter({
      name: 'tributary_source_messages_received_total',
      help: 'Messages received from a source (broker), before mapping.',
      labelNames: ['datasource_uid', 'source'],
      registers,
    }),
    rejected: new Counter({
      name: 'tributary_source_messages_rejected_total',
      help: 'Messages not buffered: oversize = payload over the size limit (counted per subscription it matched); no_subscription = matched no live subscription.',
      labelNames: ['datasource_uid', 'source', 'reason'],
      registers,
    }),
    bufferedMessages: new Gauge({
      name: 'tributary_source_buffered_messages',
      help: 'Messages held in the history buffers of a datasource.',
      labelNames: ['datasource_uid', 'source'],
      registers,
    }),
    bufferedBytes: new Gauge({
      name: 'tributary_source_buffered_bytes',
      help: 'Bytes counted against the memory budget of a datasource (payload + topic + per-message overhead).',
      labelNames: ['datasource_uid', 'source'],
      registers,
    }),
    dropped: new Counter({
      name: 'tributary_source_buffer_dropped_total',
      help: 'Buffered messages dropped: age = older than maxAgeSeconds, count = over maxMessages of a subscription, memory = over the datasource budget (oldest first).',
      labelNames: ['datasource_uid', 'source', 'reason'],
      registers,
    }),
    connectionState: new Gauge({
      name: 'tributary_source_connection_state',
      help: 'Current connection state of a datasource (1 for the current state, 0 for the others).',
      labelNames: ['datasource_uid', 'source', 'state'],
      registers,
    }),
    reconnects: new Counter({
      name: 'tributary_source_reconnects_total',
      help: 'Successful connections after the first one (reconnects).',
      labelNames: ['datasource_uid', 'source'],
      registers,
    }),
    subscriptions: new Gauge({
      name: 'tributary_source_subscriptions',
      help: 'Topic filters subscribed (shared by every query and stream using them).',
      labelNames: ['datasource_uid', 'source'],
      registers,
    }),
  };
}

const STATES: ConnectionState['state'][] = ['connecting', 'connected', 'failing', 'closed'];

/** Per metrics set: the newest connection of each datasource, the only one whose state is shown. */
const stateOwners = new WeakMap<SourceMetrics, Map<string, object>>();

/**
 * Metrics of one datasource's source, for one connection (settings version). Counters and gauges of
 * amounts add up across versions; the state gauge follows the newest version only, so the old
 * connection closing after the new one started does not show the datasource as closed.
 */
export function sourceMetricsFor(metrics: SourceMetrics, uid: string, source: string) {
  const labels = { datasource_uid: uid, source };
  const owner = {};
  const owners = stateOwners.get(metrics) ?? new Map<string, object>();
  stateOwners.set(metrics, owners);
  owners.set(`${source}\u0000${uid}`, owner);
  // Children bound once: received/buffered run per message, and prom-client hashes a label object on every call.
  const received = metrics.received.labels(labels);
  const bufferedMessages = metrics.bufferedMessages.labels(labels);
  const bufferedBytes = metrics.bufferedBytes.labels(labels);
  const bufferObserver: BufferObserver = {
    buffered: (deltaMessages, deltaBytes) => {
      bufferedMessages.inc(deltaMessages);
      bufferedBytes.inc(deltaBytes);
    },
    dropped: (reason, count) => metrics.dropped.inc({ ...labels, reason }, count),
    rejected: (reason) => metrics.rejected.inc({ ...labels, reason }),
  };
  return {
    bufferObserver,
    received: () => received.inc(),
    rejected: (reason: string) => metrics.rejected.inc({ ...labels, reason }),
    reconnected: () => metrics.reconnects.inc(labels),
    subscriptions: (delta: number) => metrics.subscriptions.inc(labels, delta),
    state: (state: ConnectionState['state']) => {
      if (owners.get(`${source}\u0000${uid}`) !== owner) return;
      for (const candidate of STATES) metrics.connectionState.set({ ...labels, state: candidate }, candidate === state ? 1 : 0);
    },
  };
}

export type DatasourceSourceMetrics = ReturnType<typeof sourceMetricsFor>;
