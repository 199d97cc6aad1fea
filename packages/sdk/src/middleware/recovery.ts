/**
 * Exception recovery, per call: a handler (or a plugin middleware) that throws or rejects answers that
 * call with an error, and the process keeps serving everyone else. Like a Go panic, the exception is
 * logged with its stack; a gRPC error a handler returns on purpose never reaches here.
 */
import type { Logger } from '../types';
import type { Middleware } from './types';

export function recoveryMiddleware(logger: Logger): Middleware {
  return {
    name: 'recovery',
    async handle(call, next) {
      try {
        return await next();
      } catch (err) {
        logger.error(`${call.endpoint} failed: the handler threw`, { error: err, stack: (err as Error)?.stack });
        return { status: 'error', error: err, errorSource: 'plugin' };
      }
    },
  };
}
