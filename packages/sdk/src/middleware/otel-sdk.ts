/**
 * The OpenTelemetry SDK parts tracing uses, imported by name in this one module so a bundler keeps
 * only those; tracing-setup.ts loads it on demand, when tracing is configured.
 */
import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';

export const alwaysOn = (): Sampler => new AlwaysOnSampler();
export const alwaysOff = (): Sampler => new AlwaysOffSampler();
export const ratioSampler = (ratio: number): Sampler => new TraceIdRatioBasedSampler(ratio);

/** W3C trace context and baggage, Grafana's default propagation. */
export function w3cPropagator(): TextMapPropagator {
  return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
}

/** A provider that batches spans to an OTLP/gRPC collector; a sampled (or unsampled) parent decides first. */
export function otlpTracerProvider(url: string, root: Sampler, attributes: Record<string, string>): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes(attributes),
    sampler: new ParentBasedSampler({ root }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
}

/** Makes the provider, an async context manager and the propagator the process's globals; false if taken. */
export function registerGlobally(provider: BasicTracerProvider, propagator: TextMapPropagator): boolean {
  if (!trace.setGlobalTracerProvider(provider)) return false;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagator);
  return true;
}
