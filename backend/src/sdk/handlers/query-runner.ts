/**
 * Runs the queries of a QueryData/QueryChunkedData request: decodes each query on its own, runs them
 * concurrently and turns every failure into that refId's error, so one bad query never sinks the rest.
 */
import {
  QueryError,
  type DataQuery,
  type DataResponse,
  type DataSourceInstance,
  type ErrorSource,
  type RequestContext,
} from '../types';
import type { WireDataQuery } from '../wire/messages';
import { USER_ERROR_STATUS, errorSourceForStatus } from './error-source';
import { errorMessage } from './runtime';
import { timeRangeFailure } from './time-range';

export function decodeDataQuery(wire: WireDataQuery): DataQuery {
  return {
    refId: wire.refId ?? '',
    queryType: wire.queryType ?? '',
    maxDataPoints: Number(wire.maxDataPoints ?? 0),
    intervalMS: Number(wire.intervalMS ?? 0),
    timeRange: { from: Number(wire.timeRange?.fromEpochMS ?? 0), to: Number(wire.timeRange?.toEpochMS ?? 0) },
    json: wire.json ?? new Uint8Array(0),
  };
}

/** One refId's error answer; the source follows the SDK's rules (error-source.ts) unless given. */
export function failure(message: string, status: number, errorSource: ErrorSource = errorSourceForStatus(status)): DataResponse {
  return { error: message, status, errorSource };
}

function parseQueryJson(query: DataQuery): unknown {
  const text = Buffer.from(query.json.buffer, query.json.byteOffset, query.json.byteLength).toString('utf8');
  if (text.trim() === '') return {};
  return JSON.parse(text);
}

/** Answers one query; never throws. */
export async function answerQuery(
  instance: DataSourceInstance<unknown>,
  query: DataQuery,
  ctx: RequestContext,
): Promise<DataResponse> {
  const badRange = timeRangeFailure(query.refId, query.timeRange);
  if (badRange) return badRange;
  let json: unknown;
  try {
    json = parseQueryJson(query);
  } catch (err) {
    return failure(`query ${query.refId}: the query JSON is malformed: ${errorMessage(err)}`, USER_ERROR_STATUS);
  }
  let model: unknown = json;
  if (instance.decodeQuery) {
    try {
      model = instance.decodeQuery(json, query);
    } catch (err) {
      if (err instanceof QueryError) return failure(err.message, err.status, err.source);
      return failure(`query ${query.refId} is invalid: ${errorMessage(err)}`, USER_ERROR_STATUS);
    }
  }
  try {
    const response = await instance.query!({ ...query, model }, ctx);
    if (!response || typeof response !== 'object') {
      return failure(`query ${query.refId}: the plugin returned no response`, 500, 'plugin');
    }
    return response;
  } catch (err) {
    if (err instanceof QueryError) return failure(err.message, err.status, err.source);
    if (ctx.signal.aborted) return failure(`query ${query.refId} was cancelled`, 499, 'downstream');
    ctx.logger.error('query failed', { error: err, stack: (err as Error)?.stack });
    return failure(`query ${query.refId} failed: ${errorMessage(err)}`, 500, 'plugin');
  }
}
