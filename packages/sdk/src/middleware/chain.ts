/** Composes middlewares into one function around a handler; the first middleware is the outermost. */
import type { CallResult, Middleware, Next, PluginCall } from './types';

export type Chain = (call: PluginCall, handler: Next) => Promise<CallResult>;

export function composeChain(middlewares: readonly Middleware[]): Chain {
  return middlewares.reduceRight<Chain>(
    (inner, middleware) => (call, handler) => middleware.handle(call, () => inner(call, handler)),
    (_call, handler) => handler(),
  );
}
