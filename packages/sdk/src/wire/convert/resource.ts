/** pluginv2.Resource: a CallResource request → the SDK's CallResourceRequest; response parts → wire. */
import type { CallResourceRequest, PluginContext } from '../../types';
import type { pluginv2 } from '../messages';
import { bufferView, bytes } from './scalars';

export type WireCallResourceRequest = pluginv2.ICallResourceRequest;
export type WireCallResourceResponse = pluginv2.ICallResourceResponse;
export type WireHeaders = Record<string, pluginv2.IStringList>;

export function decodeResourceRequest(wire: WireCallResourceRequest, pluginContext: PluginContext): CallResourceRequest {
  const headers: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(wire.headers ?? {})) headers[key] = [...(list?.values ?? [])];
  return {
    pluginContext,
    path: wire.path ?? '',
    method: wire.method ?? '',
    url: wire.url ?? '',
    headers,
    body: bytes(wire.body),
  };
}

export function encodeResourceHeaders(headers: Record<string, string | string[]> | undefined): WireHeaders {
  const out: WireHeaders = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    out[key] = { values: (Array.isArray(value) ? value : [value]).map(String) };
  }
  return out;
}

/** The first message: status and headers, with the first body chunk when there is one. */
export function resourceHead(code: number, headers: WireHeaders, body: Uint8Array | string | undefined): WireCallResourceResponse {
  return { code, headers, body: body === undefined ? undefined : bufferView(body) };
}

/** A later message: a body chunk. */
export function resourceBody(body: Uint8Array | string): WireCallResourceResponse {
  return { body: bufferView(body) };
}
