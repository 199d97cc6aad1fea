/**
 * pluginv2.Data messages ⇄ the SDK's query types: queries and their time ranges in; DataResponses
 * out with frames encoded as Arrow IPC files (default) or frame JSON as the request asked, status
 * always set and the frame refId filled from the response key.
 */
import type { DataQuery, DataResponse } from '../../types';
import { errorSourceForStatus } from '../../middleware/error-source';
import { isEncodedFrame } from '../../workers/encoded-frame';
import { pluginv2, type WireFormat } from '../messages';
import { encodeFrame } from './frame';
import { bytes, int64 } from './scalars';

export type WireDataQuery = pluginv2.IDataQuery;
export type WireQueryDataRequest = pluginv2.IQueryDataRequest;
export type WireDataResponse = pluginv2.IDataResponse;
export type WireQueryDataResponse = pluginv2.IQueryDataResponse;
export type WireQueryChunkedDataResponse = pluginv2.IQueryChunkedDataResponse;

const { ARROW, JSON: JSON_FORMAT } = pluginv2.DataFrameFormat;

/** The frame encoding the request asks for. */
export function formatOf(request: Pick<WireQueryDataRequest, 'format'>): WireFormat {
  return request.format === JSON_FORMAT ? 'JSON' : 'ARROW';
}

function wireFormat(format: WireFormat): pluginv2.DataFrameFormat {
  return format === 'JSON' ? JSON_FORMAT : ARROW;
}

export function decodeDataQuery(wire: WireDataQuery): DataQuery {
  return {
    refId: wire.refId ?? '',
    queryType: wire.queryType ?? '',
    maxDataPoints: int64(wire.maxDataPoints),
    intervalMS: int64(wire.intervalMS),
    timeRange: { from: int64(wire.timeRange?.fromEpochMS), to: int64(wire.timeRange?.toEpochMS) },
    json: bytes(wire.json),
  };
}

export function decodeDataQueries(request: WireQueryDataRequest): DataQuery[] {
  return (request.queries ?? []).map(decodeDataQuery);
}

/** Status as Grafana expects it: always set, 200 without error, 500 with one unless given. */
export function statusOf(response: DataResponse): number {
  const status = response.status;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) return status;
  return response.error ? 500 : 200;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One refId's answer for QueryData; a frame that cannot be encoded turns it into a 500 naming why. */
export function encodeDataResponse(refId: string, response: DataResponse, format: WireFormat): WireDataResponse {
  const frames: Uint8Array[] = [];
  try {
    for (const frame of response.frames ?? []) frames.push(isEncodedFrame(frame) ? frame.bytes : encodeFrame(frame, refId, format));
  } catch (err) {
    return dataError(`query ${refId}: the plugin produced a frame that cannot be encoded: ${errorText(err)}`, 500, 'plugin', format);
  }
  const status = statusOf(response);
  const wire: WireDataResponse = { frames, status, format: wireFormat(format) };
  if (response.error) {
    wire.error = response.error;
    wire.errorSource = response.errorSource ?? errorSourceForStatus(status);
  }
  return wire;
}

/** A frameless error answer for one refId. */
export function dataError(error: string, status: number, errorSource: string, format: WireFormat): WireDataResponse {
  return { frames: [], error, status, errorSource, format: wireFormat(format) };
}

/** The format a wire DataResponse was encoded in (for replacing it with an error of the same format). */
export function formatOfResponse(response: WireDataResponse): WireFormat {
  return formatOf(response);
}

/** QueryChunkedData messages: one per frame, a frameless one per error or empty answer. */
export const chunk = {
  frame: (refId: string, index: number, frame: Uint8Array, format: WireFormat): WireQueryChunkedDataResponse => ({
    refId, frameId: `${refId}/${index}`, frame, status: 200, format: wireFormat(format),
  }),
  error: (refId: string, status: number, error: string, errorSource: string, format: WireFormat): WireQueryChunkedDataResponse => ({
    refId, status, error, errorSource, format: wireFormat(format),
  }),
  empty: (refId: string, status: number, format: WireFormat): WireQueryChunkedDataResponse => ({ refId, status, format: wireFormat(format) }),
};
