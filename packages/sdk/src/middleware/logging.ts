/**
 * One log line per call, like the Go SDK's logger middleware: endpoint, status, status source,
 * duration and the caller's ids. Successful calls log at debug, failed ones at error, or at info when
 * the failure is downstream's.
 */
import type { HclogLogger } from '../log/logger';
import { errorMessage } from '../handlers/runtime';
import type { Middleware } from './types';

export function loggingMiddleware(logger: HclogLogger): Middleware {
  return {
    name: 'logging',
    async handle(call, next) {
      const started = performance.now();
      const result = await next();
      // A failure that is not the plugin's (a user's bad query, a downstream error) is no plugin error.
      const level = result.status !== 'error' ? 'debug' : result.errorSource === 'downstream' ? 'info' : 'error';
      if (!logger.enabled(level)) return result;
      const { identity } = call;
      logger.log(level, 'plugin request completed', {
        endpoint: call.endpoint,
        status: result.status,
        ...(result.errorSource ? { statusSource: result.errorSource } : {}),
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        pluginId: identity.pluginId,
        orgId: identity.orgId,
        ...(identity.datasourceUid ? { datasourceUid: identity.datasourceUid } : {}),
        ...(identity.user ? { uname: identity.user } : {}),
        ...(result.error !== undefined ? { error: errorMessage(result.error) } : {}),
      });
      return result;
    },
  };
}
