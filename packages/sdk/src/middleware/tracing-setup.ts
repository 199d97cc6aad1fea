/**
 * Turns tracing on when Grafana asks for it: Grafana passes its OpenTelemetry settings to a plugin
 * with tracing enabled as `GF_INSTANCE_OTLP_*` environment variables (docs/sdk.md, "Tracing"). Then
 * spans go to that OTLP/gRPC endpoint; without them tracing costs nothing. The OpenTelemetry SDK and
 * exporter are loaded only here, on demand, so a plugin that never traces never loads them.
 */
import type { TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { Logger } from '../types';

export interface TracingOptions {
  /** OTLP/gRPC collector address, `host:port` (plain text, like Grafana's own exporter). */
  address: string;
  /** Propagation formats Grafana uses; only `w3c` is understood (default). */
  propagation?: string[];
  /** `const` (param 0 or 1) or `probabilistic` (param = ratio); a sampled parent is always followed. */
  samplerType?: string;
  samplerParam?: number;
  /** `service.version` of the spans (default: the plugin's version). */
  serviceVersion?: string;
}

/** Grafana's tracing settings from the environment, or undefined when tracing is off. */
export function tracingOptionsFromEnv(env: NodeJS.ProcessEnv): TracingOptions | undefined {
  const address = env.GF_INSTANCE_OTLP_ADDRESS?.trim();
  if (!address) return undefined;
  const param = env.GF_INSTANCE_OTLP_SAMPLER_PARAM?.trim();
  return {
    address,
    propagation: (env.GF_INSTANCE_OTLP_PROPAGATION ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean),
    samplerType: env.GF_INSTANCE_OTLP_SAMPLER_TYPE?.trim() || undefined,
    samplerParam: param ? Number(param) : undefined,
    serviceVersion: env.GF_PLUGIN_VERSION?.trim() || undefined,
  };
}

export interface Tracing {
  tracer: Tracer;
  propagator: TextMapPropagator;
  /** Sends the spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export async function startTracing(options: TracingOptions, service: { name: string; version: string }, logger: Logger): Promise<Tracing> {
  const otel = await import('./otel-sdk');
  const unknownFormats = (options.propagation ?? []).filter((p) => p !== 'w3c');
  if (unknownFormats.length) logger.warn('tracing: only W3C trace context propagation is supported; ignoring the others', { propagation: unknownFormats.join(',') });
  const propagator = otel.w3cPropagator();

  let root = otel.alwaysOn();
  const param = options.samplerParam;
  if (options.samplerType === 'probabilistic' && param !== undefined && param >= 0 && param <= 1) root = otel.ratioSampler(param);
  else if ((options.samplerType ?? 'const') === 'const' && param === 0) root = otel.alwaysOff();
  else if (options.samplerType && options.samplerType !== 'const' && options.samplerType !== 'probabilistic') {
    logger.warn('tracing: unsupported sampler type; sampling every trace Grafana did not decide on', { samplerType: options.samplerType });
  }
  const provider = otel.otlpTracerProvider(`http://${options.address}`, root, { 'service.name': service.name, 'service.version': options.serviceVersion ?? service.version });
  // Registered globally (unless the host application already did) so the plugin's own spans, made
  // with `trace.getTracer(...)` inside a handler, become children of the call's span.
  if (!otel.registerGlobally(provider, propagator)) {
    logger.info('tracing: a global tracer provider is already registered; the SDK exports its own spans only');
  }
  logger.info('tracing enabled', { otlpAddress: options.address });
  return {
    tracer: provider.getTracer(service.name, service.version),
    propagator,
    shutdown: () => provider.shutdown(),
  };
}
