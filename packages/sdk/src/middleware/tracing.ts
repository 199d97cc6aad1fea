/**
 * Tracing: each call continues the trace Grafana sent in its gRPC metadata (W3C `traceparent` /
 * `tracestate`) with one span named like the Go SDK's (`sdk.queryData`, ...), and lines logged
 * during the call carry its `traceID`. Only installed when tracing is configured (tracing-setup.ts).
 */
import { ROOT_CONTEXT, SpanStatusCode, context, trace, type TextMapGetter, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { withLogFields } from '../log/call-scope';
import { errorMessage } from '../handlers/runtime';
import type { Middleware, PluginCall } from './types';

const metadataGetter: TextMapGetter<PluginCall> = {
  get: (call, key) => call.metadata(key.toLowerCase()),
  // Only used by propagators that scan every key (e.g. baggage prefixes); ours ask by name.
  keys: () => [],
};

export function tracingMiddleware(tracer: Tracer, propagator: TextMapPropagator): Middleware {
  return {
    name: 'tracing',
    handle(call, next) {
      const parent = propagator.extract(ROOT_CONTEXT, call, metadataGetter);
      const { identity } = call;
      const span = tracer.startSpan(
        `sdk.${call.endpoint}`,
        {
          attributes: {
            plugin_id: identity.pluginId,
            org_id: identity.orgId,
            ...(identity.datasourceUid ? { datasource_uid: identity.datasourceUid } : {}),
            ...(identity.datasourceName ? { datasource_name: identity.datasourceName } : {}),
            ...(identity.user ? { user: identity.user } : {}),
          },
        },
        parent,
      );
      const traced = trace.setSpan(parent, span);
      return withLogFields({ traceID: span.spanContext().traceId }, () =>
        context.with(traced, async () => {
          try {
            const result = await next();
            span.setAttribute('request_status', result.status);
            if (result.errorSource) span.setAttribute('status_source', result.errorSource);
            if (result.status === 'error') {
              span.setStatus({ code: SpanStatusCode.ERROR, message: result.error === undefined ? 'a query failed' : errorMessage(result.error) });
            }
            return result;
          } finally {
            span.end();
          }
        }),
      );
    },
  };
}
