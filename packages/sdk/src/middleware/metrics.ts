/** Request count and duration per endpoint and outcome, and every answered query's status (metrics/sdk-metrics.ts). */
import type { SdkMetrics } from '../metrics/sdk-metrics';
import type { Middleware } from './types';

export function metricsMiddleware(metrics: SdkMetrics): Middleware {
  return {
    name: 'metrics',
    async handle(call, next) {
      const done = metrics.startRequest(call.endpoint);
      const result = await next();
      done(result.status);
      for (const query of result.queries ?? []) metrics.queryAnswered(query.status);
      return result;
    },
  };
}
