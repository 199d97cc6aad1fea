/**
 * Exception recovery, per call: a handler (or a plugin middleware) that throws or rejects answers that
 * call with an error, and the process keeps serving everyone else. Like a Go panic, the exception is
 * logged with its stack; a gRPC error a handler returns on purpose never reaches here. Adapters that
 * answer a thrown exception themselves (one refId's 500, a resource's 500, an ERROR health check)
 * report it with `logThrown`, so every recovered exception is logged the same way.
 */
import type { Logger } from '../types';
import type { Middleware } from './types';

/** Logs an exception a handler threw and the SDK turned into an answer. */
export function logThrown(logger: Logger, what: string, err: unknown): void {
  logger.error(`${what} failed: the handler threw`, { error: err, stack: (err as Error)?.stack });
}

export function recoveryMiddleware(logger: Logger): Middleware {
  return {
    name: 'recovery',
    async handle(call, next) {
      try {
        return await next();
      } catch (err) {
        logThrown(logger, call.endpoint, err);
        return { status: 'error', error: err, errorSource: 'plugin' };
      }
    },
  };
}
