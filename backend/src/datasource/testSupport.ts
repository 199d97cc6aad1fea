/**
 * Helpers shared by the datasource tests and the streams benchmark: the SDK's testing entry, with
 * Tributary's names where a test reads them.
 */
import {
  instanceSettings as sdkInstanceSettings,
  requestContext as sdkRequestContext,
} from '@tributary/grafana-backend-sdk/testing';
import type { DataSourceInstanceSettings, RequestContext } from '@tributary/grafana-backend-sdk';

export { silentLogger, factoryContext, streamRequest, dataQuery, resourceRequest, ResourceRecorder } from '@tributary/grafana-backend-sdk/testing';

export function instanceSettings(jsonData: Record<string, unknown> = {}, uid = 'tributary-test'): DataSourceInstanceSettings {
  return sdkInstanceSettings(jsonData, uid, 'Tributary');
}

export function requestContext(signal: AbortSignal = new AbortController().signal): RequestContext {
  return sdkRequestContext(signal, 'tributary-streaming-datasource');
}
