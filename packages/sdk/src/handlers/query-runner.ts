/**
 * One query's steps for QueryData/QueryChunkedData: decode it on its own, ask its cost, run it, and
 * turn every failure into that refId's error, so one bad query never sinks the rest.
 */
import {
  QueryError,
  type DataQuery,
  type DataResponse,
  type DataSourceInstance,
  type ErrorSource,
  type Logger,
  type QueryCost,
  type RequestContext,
  type TypedDataQuery,
} from '../types';
import type { WireFormat } from '../wire/messages';
import { USER_ERROR_STATUS, errorSourceForStatus } from '../middleware/error-source';
import { logThrown } from '../middleware/recovery';
import { CLIENT_CANCELLED, errorMessage } from './runtime';
import { timeRangeFailure } from './time-range';

/** One refId's error answer; the source follows the SDK's rules (error-source.ts) unless given. */
export function failure(message: string, status: number, errorSource: ErrorSource = errorSourceForStatus(status)): DataResponse {
  return { error: message, status, errorSource };
}

function parseQueryJson(query: DataQuery): unknown {
  const text = Buffer.from(query.json.buffer, query.json.byteOffset, query.json.byteLength).toString('utf8');
  if (text.trim() === '') return {};
  return JSON.parse(text);
}

export type PreparedQuery =
  | { ok: true; query: TypedDataQuery<unknown> }
  | { ok: false; refId: string; response: DataResponse };

/**
 * Checks the time range, parses and decodes one query's JSON; a bad query becomes that refId's error
 * before anything is computed. Never throws.
 */
export function prepareQuery(instance: DataSourceInstance<unknown>, query: DataQuery): PreparedQuery {
  const badRange = timeRangeFailure(query.refId, query.timeRange);
  if (badRange) return { ok: false, refId: query.refId, response: badRange };
  let json: unknown;
  try {
    json = parseQueryJson(query);
  } catch (err) {
    return { ok: false, refId: query.refId, response: failure(`query ${query.refId}: the query JSON is malformed: ${errorMessage(err)}`, USER_ERROR_STATUS) };
  }
  let model: unknown = json;
  if (instance.decodeQuery) {
    try {
      model = instance.decodeQuery(json, query);
    } catch (err) {
      if (err instanceof QueryError) return { ok: false, refId: query.refId, response: failure(err.message, err.status, err.source) };
      return { ok: false, refId: query.refId, response: failure(`query ${query.refId} is invalid: ${errorMessage(err)}`, USER_ERROR_STATUS) };
    }
  }
  return { ok: true, query: { ...query, model } };
}

/** The datasource's declared cost of a decoded query; a cost hook that throws counts as no cost. */
export function queryCostOf(
  instance: DataSourceInstance<unknown>,
  query: TypedDataQuery<unknown>,
  format: WireFormat,
  logger: Logger,
): QueryCost | undefined {
  if (!instance.queryCost) return undefined;
  try {
    return instance.queryCost(query, format === 'JSON' ? 'json' : 'arrow') ?? undefined;
  } catch (err) {
    logger.warn('queryCost failed; the query is admitted without a cost', { refId: query.refId, error: errorMessage(err) });
    return undefined;
  }
}

/** A failure for a query whose handler threw: cancelled, stopped by the plugin, a QueryError, or a bug. */
function thrownFailure(refId: string, err: unknown, ctx: RequestContext): DataResponse {
  if (ctx.signal.aborted) {
    // Cancelled by Grafana (499, the caller's doing) or stopped by the plugin itself (shutdown: 503).
    const reason = errorMessage(ctx.signal.reason);
    return reason === CLIENT_CANCELLED
      ? failure(`query ${refId} was cancelled`, 499, 'downstream')
      : failure(`query ${refId} was stopped: ${reason}`, 503, 'plugin');
  }
  if (err instanceof QueryError) return failure(err.message, err.status, err.source);
  return failure(`query ${refId} failed: ${errorMessage(err)}`, 500, 'plugin');
}

/** Runs a whole request through the datasource's `queryData`; every refId gets an answer. Never throws. */
export async function executeBatch(
  instance: DataSourceInstance<unknown>,
  queries: TypedDataQuery<unknown>[],
  ctx: RequestContext,
): Promise<Map<string, DataResponse>> {
  const answers = new Map<string, DataResponse>();
  let returned: Record<string, DataResponse> | undefined;
  try {
    returned = await instance.queryData!(queries, ctx);
  } catch (err) {
    if (!ctx.signal.aborted && !(err instanceof QueryError)) logThrown(ctx.logger, 'queryData', err);
    for (const q of queries) answers.set(q.refId, thrownFailure(q.refId, err, ctx));
    return answers;
  }
  for (const q of queries) {
    const answer = returned && typeof returned === 'object' ? returned[q.refId] : undefined;
    answers.set(q.refId, answer && typeof answer === 'object' ? answer : failure(`query ${q.refId}: the plugin returned no answer for it`, 500, 'plugin'));
  }
  return answers;
}

/** Runs one decoded query; never throws. */
export async function executeQuery(
  instance: DataSourceInstance<unknown>,
  query: TypedDataQuery<unknown>,
  ctx: RequestContext,
): Promise<DataResponse> {
  try {
    const response = await instance.query!(query, ctx);
    if (!response || typeof response !== 'object') {
      return failure(`query ${query.refId}: the plugin returned no response`, 500, 'plugin');
    }
    return response;
  } catch (err) {
    if (!ctx.signal.aborted && !(err instanceof QueryError)) logThrown(ctx.logger, 'query', err);
    return thrownFailure(query.refId, err, ctx);
  }
}
