/**
 * TypeScript shapes of the pluginv2 messages as grpc-js hands them to us with CONVERSION (wire/protos.ts)
 * (field names as in the package proto/ folder, int64 → number, enums → names, bytes → Buffer, defaults filled).
 * Outgoing messages may leave fields out; protobuf defaults apply.
 */

import type { DataSourceInstanceSettings, User } from '../types';

export type WireFormat = 'ARROW' | 'JSON';

/** pluginv2.DataSourceInstanceSettings: the public settings shape, with jsonData still raw bytes. */
export type WireDataSourceInstanceSettings = Omit<DataSourceInstanceSettings, 'jsonData'> & { jsonData: Buffer };

/** pluginv2.User carries exactly the public User's four strings. */
export type WireUser = User;

export interface WirePluginContext {
  orgId: number;
  pluginId: string;
  user: WireUser | null;
  appInstanceSettings: unknown;
  dataSourceInstanceSettings: WireDataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
  userAgent: string;
  apiVersion: string;
  namespace: string;
}

export interface WireDataQuery {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange: { fromEpochMS: number; toEpochMS: number } | null;
  json: Buffer;
  queryType: string;
}

export interface WireQueryDataRequest {
  pluginContext: WirePluginContext | null;
  headers: Record<string, string>;
  queries: WireDataQuery[];
  format: WireFormat;
}

export interface WireDataResponse {
  frames?: Uint8Array[];
  error?: string;
  status?: number;
  errorSource?: string;
  format?: WireFormat;
}

export interface WireQueryDataResponse {
  responses: Record<string, WireDataResponse>;
}

export interface WireQueryChunkedDataResponse {
  refId: string;
  frameId?: string;
  frame?: Uint8Array;
  error?: string;
  status: number;
  errorSource?: string;
  format: WireFormat;
}

export interface WireCheckHealthRequest {
  pluginContext: WirePluginContext | null;
  headers: Record<string, string>;
}

export type WireHealthStatus = 'UNKNOWN' | 'OK' | 'ERROR';

export interface WireCheckHealthResponse {
  status: WireHealthStatus;
  message: string;
  jsonDetails?: Uint8Array;
}

export interface WireCollectMetricsResponse {
  metrics: { prometheus: Uint8Array };
}

export interface WireStringList {
  values: string[];
}

export interface WireCallResourceRequest {
  pluginContext: WirePluginContext | null;
  path: string;
  method: string;
  url: string;
  headers: Record<string, WireStringList>;
  body: Buffer;
}

export interface WireCallResourceResponse {
  code?: number;
  headers?: Record<string, WireStringList>;
  body?: Uint8Array;
}

export interface WireStreamRequest {
  pluginContext: WirePluginContext | null;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export type WireStreamStatus = 'OK' | 'NOT_FOUND' | 'PERMISSION_DENIED';

export interface WireStreamResponse {
  status: WireStreamStatus;
  data?: Uint8Array;
}

export interface WireStreamPacket {
  data: Uint8Array;
}
