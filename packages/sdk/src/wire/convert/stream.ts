/** pluginv2.Stream: stream requests → the SDK's StreamRequest; results and packets → wire. */
import { checkFrame, frameToJSONBytes } from '../../frames';
import type { Frame } from '../../frames/model';
import type { PluginContext, PublishStreamResult, StreamRequest, StreamStatus, SubscribeStreamResult } from '../../types';
import { pluginv2 } from '../messages';
import { bufferView, bytes, stringMap } from './scalars';

/** SubscribeStream, RunStream and PublishStream requests carry the same fields. */
export type WireStreamRequest = pluginv2.ISubscribeStreamRequest | pluginv2.IRunStreamRequest | pluginv2.IPublishStreamRequest;
export type WireStreamResponse = pluginv2.ISubscribeStreamResponse | pluginv2.IPublishStreamResponse;
export type WireStreamPacket = pluginv2.IStreamPacket;

// SubscribeStreamResponse.Status and PublishStreamResponse.Status number alike.
const Status = pluginv2.SubscribeStreamResponse.Status;
const STATUS: Record<StreamStatus, pluginv2.SubscribeStreamResponse.Status> = {
  ok: Status.OK,
  notFound: Status.NOT_FOUND,
  permissionDenied: Status.PERMISSION_DENIED,
};

export function decodeStreamRequest(wire: WireStreamRequest, pluginContext: PluginContext): StreamRequest {
  return { pluginContext, path: wire.path ?? '', data: bytes(wire.data), headers: stringMap(wire.headers) };
}

function isFrame(value: unknown): value is Frame {
  return typeof value === 'object' && value !== null && Array.isArray((value as Frame).fields);
}

/** JSON bytes for SubscribeStream initial data / PublishStream data; rejects what is not JSON. */
function jsonPayload(value: Uint8Array | string | undefined, what: string): Buffer | undefined {
  if (value === undefined) return undefined;
  const payload = bufferView(value);
  if (payload.length === 0) return undefined;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return payload;
}

/** A stream answer with only a status (unknown statuses deny as not found). */
export function streamStatus(status: StreamStatus | undefined): WireStreamResponse {
  return { status: status !== undefined && Object.hasOwn(STATUS, status) ? STATUS[status] : Status.NOT_FOUND };
}

export const PERMISSION_DENIED: WireStreamResponse = { status: Status.PERMISSION_DENIED };

/** SubscribeStream's answer: initial data is a frame (sent as frame JSON) or JSON bytes/text. */
export function encodeSubscribeResult(result: SubscribeStreamResult | undefined): WireStreamResponse {
  const response = streamStatus(result?.status);
  const initial = result?.initialData;
  response.data = isFrame(initial) ? frameToJSONBytes(checkFrame(initial), result?.initialDataInclude ?? 'all') : jsonPayload(initial, 'SubscribeStream initial data');
  return response;
}

export function encodePublishResult(result: PublishStreamResult | undefined): WireStreamResponse {
  return { ...streamStatus(result?.status), data: jsonPayload(result?.data, 'PublishStream data') };
}

/** One RunStream packet (JSON bytes published into the channel). */
export function streamPacket(data: Uint8Array): WireStreamPacket {
  return { data };
}
