/** In-process test inputs for handler code: a silent logger, settings, contexts, requests, a resource recorder. */
import { Registry } from 'prom-client';
import type {
  CallResourceRequest,
  DataQuery,
  DataSourceInstanceSettings,
  InstanceFactoryContext,
  Logger,
  PluginContext,
  PluginDefinition,
  RequestContext,
  ResourceResponseWriter,
  StreamRequest,
  TypedInstanceSettings,
} from '../types';
import { withConfig } from '../instances/manager';

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  with: () => silentLogger,
};

/** Datasource instance settings as `newInstance` receives them. */
export function instanceSettings(jsonData: Record<string, unknown> = {}, uid = 'test-datasource-uid', name = 'Test datasource'): DataSourceInstanceSettings {
  return {
    id: 1,
    uid,
    name,
    url: '',
    user: '',
    database: '',
    basicAuthEnabled: false,
    basicAuthUser: '',
    jsonData,
    decryptedSecureJsonData: {},
    lastUpdatedMS: 1,
    apiVersion: '',
  };
}

export function factoryContext(metrics = new Registry()): InstanceFactoryContext {
  return { logger: silentLogger, runMode: 'sidecar', metrics };
}

export function requestContext(signal: AbortSignal = new AbortController().signal, pluginId = 'test-datasource'): RequestContext {
  const pluginContext: PluginContext = { orgId: 1, pluginId, grafanaConfig: {}, pluginVersion: '', userAgent: '', apiVersion: '', namespace: '' };
  return { pluginContext, signal, logger: silentLogger, runMode: 'sidecar' };
}

export function streamRequest(path: string): StreamRequest {
  return { pluginContext: requestContext().pluginContext, path, data: new Uint8Array(), headers: {} };
}

export function dataQuery(refId: string, from: number, to: number, maxDataPoints: number): DataQuery {
  return { refId, queryType: '', maxDataPoints, intervalMS: 0, timeRange: { from, to }, json: new Uint8Array() };
}

export function resourceRequest(path: string, method = 'GET'): CallResourceRequest {
  return { pluginContext: requestContext().pluginContext, path, method, url: path, headers: {}, body: new Uint8Array() };
}

/** Collects one CallResource answer. */
export class ResourceRecorder implements ResourceResponseWriter {
  status = 0;
  headers: Record<string, string | string[]> = {};
  body = '';
  ended = false;
  writeHead(status: number, headers: Record<string, string | string[]> = {}): void {
    this.status = status;
    this.headers = headers;
  }
  write(chunk: Uint8Array | string): void {
    if (this.status === 0) this.writeHead(200);
    this.body += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  }
  end(chunk?: Uint8Array | string): void {
    if (chunk !== undefined) this.write(chunk);
    if (this.status === 0) this.writeHead(200);
    this.ended = true;
  }
  json(status: number, value: unknown): void {
    this.writeHead(status, { 'Content-Type': 'application/json' });
    this.end(JSON.stringify(value));
  }
}

/**
 * What `newInstance` receives when the SDK creates an instance: the settings plus the plugin's decoded
 * `config` (`decodeSettings`, which may throw its SettingsError here). For tests that create instances
 * directly.
 */
export function typedInstanceSettings<S>(
  definition: Pick<PluginDefinition<unknown, S>, 'decodeSettings'>,
  settings: DataSourceInstanceSettings,
): TypedInstanceSettings<S> {
  return withConfig(definition, settings);
}
