/** pluginv2.Diagnostics: CheckHealth and CollectMetrics. */
import type * as grpc from '@grpc/grpc-js';
import type { CheckHealthResult } from '../types';
import type {
  WireCheckHealthRequest,
  WireCheckHealthResponse,
  WireCollectMetricsResponse,
  WireHealthStatus,
} from '../wire/messages';
import { logThrown } from '../middleware/recovery';
import { errorMessage, requestContext, resolveInstance, unaryHandler, type HandlerRuntime } from './runtime';

const STATUS: Record<CheckHealthResult['status'], WireHealthStatus> = { ok: 'OK', error: 'ERROR', unknown: 'UNKNOWN' };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

export function checkHealthHandler(rt: HandlerRuntime): grpc.handleUnaryCall<WireCheckHealthRequest, WireCheckHealthResponse> {
  return unaryHandler(rt, 'checkHealth', 'CheckHealth', async (request, signal) => {
    let resolved;
    try {
      resolved = await resolveInstance(rt, request.pluginContext);
    } catch (err) {
      // Health checks are shown to a user: a message beats a gRPC error.
      return { status: 'ERROR', message: (err as { details?: string }).details ?? errorMessage(err) };
    }
    if (!resolved.ok) return { status: 'ERROR', message: resolved.settingsError.message };
    const { lease, pluginContext } = resolved;
    try {
      const instance = lease.instance;
      // Like the Go SDK: no health handler means the plugin is up.
      if (typeof instance.checkHealth !== 'function') return { status: 'OK', message: 'Plugin is running' };
      const ctx = requestContext(rt, pluginContext, signal, { endpoint: 'CheckHealth' }, { ...(request.headers ?? {}) });
      let result: CheckHealthResult;
      try {
        result = await instance.checkHealth(ctx);
      } catch (err) {
        logThrown(ctx.logger, 'health check', err);
        return { status: 'ERROR', message: `health check failed: ${errorMessage(err)}` };
      }
      const response: WireCheckHealthResponse = {
        status: STATUS[result?.status] ?? 'UNKNOWN',
        message: String(result?.message ?? ''),
      };
      if (result?.details !== undefined) {
        // Grafana answers 500 when jsonDetails is not a JSON object.
        if (isPlainObject(result.details)) response.jsonDetails = Buffer.from(JSON.stringify(result.details));
        else ctx.logger.warn('health check details must be a JSON object; dropped', { type: typeof result.details });
      }
      return response;
    } finally {
      lease.release();
    }
  });
}

export function collectMetricsHandler(rt: HandlerRuntime): grpc.handleUnaryCall<unknown, WireCollectMetricsResponse> {
  return unaryHandler(rt, 'collectMetrics', 'CollectMetrics', async () => {
    const text = await rt.metrics.text();
    return { metrics: { prometheus: Buffer.from(text) } };
  });
}
