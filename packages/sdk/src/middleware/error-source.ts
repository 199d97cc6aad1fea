/**
 * Who is to blame for a failed query: the one place the SDK decides an error source, following the Go
 * SDK's rules so Grafana's `status_source` metrics and SLOs read our answers the way they read a Go
 * plugin's (see docs/sdk.md, "Error sources"):
 *
 * - A client error status maps like the Go SDK's `ErrorSourceFromHTTPStatus`: only the statuses that
 *   mean the plugin itself asked or answered wrongly (405, 406, 412, 413, 414, 416, 417, 426, 431) are
 *   `plugin`; every other 4xx, 400 and 404 included, is `downstream`. A malformed or invalid query, an
 *   impossible time range or invalid datasource settings is the user's doing, so it is `downstream`;
 *   a cancelled call (499) is `downstream` too, as the Go SDK treats cancellation.
 * - A server error status (5xx) with no source given is the plugin's own failure: the Go SDK's default
 *   source is `plugin`. 501 is `plugin` by both rules.
 * - A source given explicitly always wins.
 */
import { Metadata } from '@grpc/grpc-js';
import type { ErrorSource } from '../types';
import { errorSourceOf } from '../wire/grpc-error';
import type { CallResult, Middleware } from './types';

/** 4xx statuses that still point at the plugin (the Go SDK's list). */
const PLUGIN_CLIENT_STATUSES: ReadonlySet<number> = new Set([405, 406, 412, 413, 414, 416, 417, 426, 431]);

/** The error source for an HTTP-like status when the code that failed did not name one. */
export function errorSourceForStatus(status: number): ErrorSource {
  if (status >= 400 && status < 500) return PLUGIN_CLIENT_STATUSES.has(status) ? 'plugin' : 'downstream';
  return 'plugin';
}

/** Status of a query the user got wrong (malformed JSON, invalid fields, impossible time range, bad settings). */
export const USER_ERROR_STATUS = 400;
/** Source of those user errors (`downstream`), also for whole-call failures such as a RunStream on invalid settings. */
export const USER_ERROR_SOURCE: ErrorSource = errorSourceForStatus(USER_ERROR_STATUS);

/** A call failed as a whole: a cancelled call is downstream's doing, a gRPC error says its source, else the plugin's. */
function callErrorSource(result: CallResult): ErrorSource {
  if (result.status === 'cancelled') return 'downstream';
  const metadata = (result.error as { metadata?: Metadata } | undefined)?.metadata;
  const source = metadata instanceof Metadata ? errorSourceOf(metadata) : undefined;
  return source === 'downstream' ? 'downstream' : 'plugin';
}

/**
 * Sets the status source of every failed call (Grafana's `status_source`): the queries' own sources
 * when queries failed (plugin if any of them is the plugin's), else the call error's.
 */
export function errorSourceMiddleware(): Middleware {
  return {
    name: 'error source',
    async handle(_call, next) {
      const result = await next();
      if (result.errorSource) return result;
      const failed = result.queries?.filter((q) => q.status >= 400) ?? [];
      if (failed.length) {
        const plugin = failed.some((q) => (q.errorSource ?? errorSourceForStatus(q.status)) === 'plugin');
        return { ...result, errorSource: plugin ? 'plugin' : 'downstream' };
      }
      if (result.status === 'ok') return result;
      return { ...result, errorSource: callErrorSource(result) };
    },
  };
}
