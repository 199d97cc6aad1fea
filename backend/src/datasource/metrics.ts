/**
 * Tributary's own Prometheus metrics. Instances are re-created whenever a datasource's settings change,
 * so metrics are created once per registry and shared by every instance (get-or-create).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HubObserver } from '@tributary/grafana-backend-sdk/live';

export interface TributaryMetrics {
  activeChannels: Gauge;
  packetsSent: Counter;
  pointsSent: Counter;
  bytesSent: Counter;
  droppedPoints: Counter<'reason'>;
  upstreamRestarts: Counter;
  queryDuration: Histogram;
}

const byRegistry = new WeakMap<Registry, TributaryMetrics>();

export function tributaryMetrics(registry: Registry): TributaryMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = createMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createMetrics(registers: Registry): TributaryMetrics {
  const registry = [registers];
  return {
    activeChannels: new Gauge({
      name: 'tributary_active_channels',
      help: 'Live channels with a running upstream (shared by all RunStreams of the channel).',
      registers: registry,
    }),
    packetsSent: new Counter({
      name: 'tributary_stream_packets_sent_total',
      help: 'Stream packets handed to RunStream senders (schema packets included).',
      registers: registry,
    }),
    pointsSent: new Counter({
      name: 'tributary_stream_points_sent_total',
      help: 'Data points (rows x series) handed to RunStream senders.',
      registers: registry,
    }),
    bytesSent: new Counter({
      name: 'tributary_stream_bytes_sent_total',
      help: 'Bytes of stream packets handed to RunStream senders.',
      registers: registry,
    }),
    droppedPoints: new Counter({
      name: 'tributary_stream_dropped_points_total',
      help: 'Data points never sent: slow_reader = a RunStream could not keep up (newest kept); behind = the process stalled longer than one packet.',
      labelNames: ['reason'],
      registers: registry,
    }),
    upstreamRestarts: new Counter({
      name: 'tributary_stream_upstream_restarts_total',
      help: 'Channel upstreams restarted after a failure.',
      registers: registry,
    }),
    queryDuration: new Histogram({
      name: 'tributary_query_duration_seconds',
      help: 'Time to build one query answer.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: registry,
    }),
  };
}

/** Hub events → metrics. */
export function hubObserver(metrics: TributaryMetrics): HubObserver {
  return {
    channelOpened: () => metrics.activeChannels.inc(),
    channelClosed: () => metrics.activeChannels.dec(),
    packetSent: (_path, packet) => {
      metrics.packetsSent.inc();
      metrics.pointsSent.inc(packet.points);
      metrics.bytesSent.inc(packet.bytes.length);
    },
    packetDropped: (_path, packet) => metrics.droppedPoints.inc({ reason: 'slow_reader' }, packet.points),
    pointsSkipped: (_path, points) => metrics.droppedPoints.inc({ reason: 'behind' }, points),
    upstreamFailed: () => metrics.upstreamRestarts.inc(),
  };
}
