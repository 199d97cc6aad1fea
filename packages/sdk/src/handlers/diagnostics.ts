/** pluginv2.Diagnostics: CheckHealth and CollectMetrics. */
import type * as grpc from '@grpc/grpc-js';
import type { CheckHealthResult } from '../types';
import {
  decodeHeaders,
  encodeHealthResult,
  encodeMetrics,
  healthError,
  healthOk,
  type WireCheckHealthRequest,
  type WireCheckHealthResponse,
  type WireCollectMetricsResponse,
} from '../wire/convert';
import { logThrown } from '../middleware/recovery';
import { errorMessage, requestContext, resolveInstance, unaryHandler, type HandlerRuntime } from './runtime';

export function checkHealthHandler(rt: HandlerRuntime): grpc.handleUnaryCall<WireCheckHealthRequest, WireCheckHealthResponse> {
  return unaryHandler(rt, 'checkHealth', 'CheckHealth', async (request, signal) => {
    let resolved;
    try {
      resolved = await resolveInstance(rt, request.pluginContext);
    } catch (err) {
      // Health checks are shown to a user: a message beats a gRPC error.
      return healthError((err as { details?: string }).details ?? errorMessage(err));
    }
    if (!resolved.ok) return healthError(resolved.settingsError.message);
    const { lease, pluginContext } = resolved;
    try {
      const instance = lease.instance;
      // Like the Go SDK: no health handler means the plugin is up.
      if (typeof instance.checkHealth !== 'function') return healthOk('Plugin is running');
      const ctx = requestContext(rt, pluginContext, signal, { endpoint: 'CheckHealth' }, decodeHeaders(request.headers));
      let result: CheckHealthResult;
      try {
        result = await instance.checkHealth(ctx);
      } catch (err) {
        logThrown(ctx.logger, 'health check', err);
        return healthError(`health check failed: ${errorMessage(err)}`);
      }
      return encodeHealthResult(result, ctx.logger);
    } finally {
      lease.release();
    }
  });
}

export function collectMetricsHandler(rt: HandlerRuntime): grpc.handleUnaryCall<unknown, WireCollectMetricsResponse> {
  return unaryHandler(rt, 'collectMetrics', 'CollectMetrics', async () => {
    const text = await rt.metrics.text();
    return encodeMetrics(text);
  });
}
