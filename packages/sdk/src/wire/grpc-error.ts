/**
 * gRPC errors for whole-request failures. Like the Go SDK a failure can
 * carry its error source in a `google.rpc.ErrorInfo` detail (`grpc-status-details-bin` trailer) so
 * Grafana attributes it to the plugin or to a downstream system.
 */
import * as grpc from '@grpc/grpc-js';
import type { ErrorSource } from '../types';
import { google } from './messages';

const ERROR_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

export interface GrpcError extends Partial<grpc.StatusObject> {
  code: grpc.status;
  details: string;
  message: string;
}

export function grpcError(code: grpc.status, message: string, errorSource?: ErrorSource): GrpcError {
  const metadata = new grpc.Metadata();
  if (errorSource) {
    const info = google.rpc.ErrorInfo.encode({ metadata: { errorSource } }).finish();
    const status = google.rpc.Status.encode({ code, message, details: [{ type_url: ERROR_INFO_TYPE_URL, value: info }] }).finish();
    metadata.set('grpc-status-details-bin', Buffer.from(status));
  }
  return { code, details: message, message, metadata };
}

export function unimplemented(what: string): GrpcError {
  return grpcError(grpc.status.UNIMPLEMENTED, `${what} is not implemented by this plugin`);
}

/** An unexpected handler failure, reported like the Go SDK (code Unknown, source plugin). */
export function pluginFailure(what: string, err: unknown): GrpcError {
  const reason = err instanceof Error ? err.message : String(err);
  return grpcError(grpc.status.UNKNOWN, `${what} failed: ${reason}`, 'plugin');
}

/** Decodes the errorSource from a gRPC error's trailers, if present (for clients and tests). */
export function errorSourceOf(metadata: grpc.Metadata | undefined): string | undefined {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  const status = google.rpc.Status.decode(raw);
  for (const detail of status.details) {
    if (detail.type_url?.endsWith('/google.rpc.ErrorInfo') && detail.value) {
      return google.rpc.ErrorInfo.decode(detail.value).metadata.errorSource;
    }
  }
  return undefined;
}
