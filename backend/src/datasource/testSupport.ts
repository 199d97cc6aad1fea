/**
 * Helpers shared by the datasource tests and the streams benchmark: the SDK's testing entry, with
 * Tributary's names where a test reads them.
 */
import {
  instanceSettings as sdkInstanceSettings,
  requestContext as sdkRequestContext,
  typedInstanceSettings,
} from '@tributary/grafana-backend-sdk/testing';
import type { RequestContext, TypedInstanceSettings } from '@tributary/grafana-backend-sdk';
import { tributaryPlugin } from './index';
import type { DecodedSettings } from './settings';

export { silentLogger, factoryContext, streamRequest, dataQuery, resourceRequest, ResourceRecorder } from '@tributary/grafana-backend-sdk/testing';

/** What Tributary's newInstance receives: settings decoded as the SDK does (throws their SettingsError). */
export function instanceSettings(jsonData: Record<string, unknown> = {}, uid = 'tributary-test'): TypedInstanceSettings<DecodedSettings> {
  return typedInstanceSettings(tributaryPlugin, sdkInstanceSettings(jsonData, uid, 'Tributary'));
}

export function requestContext(signal: AbortSignal = new AbortController().signal): RequestContext {
  return sdkRequestContext(signal, 'tributary-streaming-datasource');
}
