/** pluginv2.Diagnostics: the SDK's health result and metrics text → wire responses. */
import type { CheckHealthResult, Logger } from '../../types';
import { pluginv2 } from '../messages';

export type WireCheckHealthRequest = pluginv2.ICheckHealthRequest;
export type WireCheckHealthResponse = pluginv2.ICheckHealthResponse;
export type WireCollectMetricsResponse = pluginv2.ICollectMetricsResponse;

const HealthStatus = pluginv2.CheckHealthResponse.HealthStatus;
const STATUS: Record<CheckHealthResult['status'], pluginv2.CheckHealthResponse.HealthStatus> = {
  ok: HealthStatus.OK,
  error: HealthStatus.ERROR,
  unknown: HealthStatus.UNKNOWN,
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** A failed health check as Grafana shows it to the user. */
export function healthError(message: string): WireCheckHealthResponse {
  return { status: HealthStatus.ERROR, message };
}

export function healthOk(message: string): WireCheckHealthResponse {
  return { status: HealthStatus.OK, message };
}

/** The handler's result; details that are not a JSON object are dropped (Grafana answers 500 for them). */
export function encodeHealthResult(result: CheckHealthResult | undefined, logger: Logger): WireCheckHealthResponse {
  const response: WireCheckHealthResponse = {
    status: result && Object.hasOwn(STATUS, result.status) ? STATUS[result.status] : HealthStatus.UNKNOWN,
    message: String(result?.message ?? ''),
  };
  if (result?.details !== undefined) {
    if (isPlainObject(result.details)) response.jsonDetails = Buffer.from(JSON.stringify(result.details));
    else logger.warn('health check details must be a JSON object; dropped', { type: typeof result.details });
  }
  return response;
}

export function encodeMetrics(prometheusText: string): WireCollectMetricsResponse {
  return { metrics: { prometheus: Buffer.from(prometheusText) } };
}
