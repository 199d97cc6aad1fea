/**
 * Log fields that belong to the call being handled (its trace id), carried through every await with
 * AsyncLocalStorage so lines logged anywhere inside the call carry them, through any logger.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/** Runs `fn` with `fields` added to every log line written while it (and what it awaits) runs. */
export function withLogFields<T>(fields: Record<string, unknown>, fn: () => T): T {
  const outer = scope.getStore();
  return scope.run(outer ? { ...outer, ...fields } : fields, fn);
}

/** The fields of the call being handled, if any. */
export function callLogFields(): Readonly<Record<string, unknown>> | undefined {
  return scope.getStore();
}
