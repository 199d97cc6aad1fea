/**
 * Encodes DataResponses for the wire: frames as Arrow IPC files (default) or frame JSON, as the
 * request asked; status always set; frame refId filled from the response key; and a size cap that
 * replaces the biggest answers with a clear per-query 413 instead of failing the whole transport.
 */
import { frameToArrow, frameToJSONBytes } from '../frames';
import type { Frame } from '../frames/model';
import type { DataResponse } from '../types';
import type { WireDataResponse, WireFormat } from '../wire/messages';
import { isEncodedFrame } from '../workers/encoded-frame';
import { errorSourceForStatus } from '../middleware/error-source';
import { errorMessage } from './runtime';

/** 16 MiB: the safe ceiling for one gRPC message to Grafana. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Room left for protobuf framing, map keys and error texts. */
export const ENVELOPE_RESERVE = 64 * 1024;

export function encodeFrame(frame: Frame, refId: string, format: WireFormat): Uint8Array {
  const withRefId = frame.refId ? frame : { ...frame, refId };
  // Both encoders validate the frame first (a FrameError naming the field).
  return format === 'JSON' ? frameToJSONBytes(withRefId, 'all') : frameToArrow(withRefId);
}

/** Status as Grafana expects it: always set, 200 without error, 500 with one unless given. */
function statusOf(response: DataResponse): number {
  const status = response.status;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) return status;
  return response.error ? 500 : 200;
}

export function encodeDataResponse(refId: string, response: DataResponse, format: WireFormat): WireDataResponse {
  const frames: Uint8Array[] = [];
  try {
    for (const frame of response.frames ?? []) frames.push(isEncodedFrame(frame) ? frame.bytes : encodeFrame(frame, refId, format));
  } catch (err) {
    return {
      frames: [],
      error: `query ${refId}: the plugin produced a frame that cannot be encoded: ${errorMessage(err)}`,
      status: 500,
      errorSource: 'plugin',
      format,
    };
  }
  const status = statusOf(response);
  const wire: WireDataResponse = { frames, status, format };
  if (response.error) {
    wire.error = response.error;
    wire.errorSource = response.errorSource ?? errorSourceForStatus(status);
  }
  return wire;
}

function sizeOf(refId: string, response: WireDataResponse): number {
  let size = Buffer.byteLength(refId) + 32;
  for (const frame of response.frames ?? []) size += frame.byteLength + 6;
  if (response.error) size += Buffer.byteLength(response.error) + 6;
  return size;
}

const MiB = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

export function tooLargeMessage(refId: string, size: number, limit: number): string {
  return (
    `query ${refId}: the result is too large to send to Grafana (${MiB(size)}, limit ${MiB(limit)} per response); ` +
    'narrow the query: a shorter time range, fewer series or a larger interval'
  );
}

/** Replaces the biggest refIds with a 413 error until the whole response fits in `limit` bytes. */
export function capResponseSize(responses: Record<string, WireDataResponse>, limit: number): string[] {
  const budget = Math.max(0, limit - ENVELOPE_RESERVE);
  const sizes = new Map(Object.entries(responses).map(([refId, r]) => [refId, sizeOf(refId, r)]));
  let total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const cut: string[] = [];
  while (total > budget) {
    let biggest: string | undefined;
    for (const [refId, size] of sizes) if (biggest === undefined || size > sizes.get(biggest)!) biggest = refId;
    if (biggest === undefined) break;
    const before = sizes.get(biggest)!;
    const replacement: WireDataResponse = {
      frames: [],
      error: tooLargeMessage(biggest, before, limit),
      status: 413,
      errorSource: 'plugin',
      format: responses[biggest].format,
    };
    responses[biggest] = replacement;
    const after = sizeOf(biggest, replacement);
    sizes.delete(biggest); // never pick the same refId twice
    total += after - before;
    cut.push(biggest);
  }
  return cut;
}
