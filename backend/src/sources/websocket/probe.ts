/** Save & test for a WebSocket datasource: connect, send the connect message, show the first message or the exact error. */
import type { ProbeResult } from '../contracts';
import type { WebSocketSettings, WebSocketStreamSpec } from '../../../../src/shared/webSources';
import { resolveEndpoint, type WebSecureValues } from '../common/endpoint';
import { DEFAULT_PROBE_WAIT_MS, PROBE_BUFFER, probeSource } from '../common/probe';
import { WebSocketSource } from './connection';

export interface WebSocketProbeOptions {
  settings: WebSocketSettings;
  secure: WebSecureValues;
  /** The stream to test (a recent query's path and connect message); default: the settings URL. */
  spec?: WebSocketStreamSpec;
  /** How long to wait for the first message, ms. */
  waitMs?: number;
}

export function probeWebSocket(options: WebSocketProbeOptions): Promise<ProbeResult> {
  const spec = options.spec ?? {};
  const sendsMessage = (spec.connectMessage ?? options.settings.connectMessage ?? '') !== '';
  return probeSource({
    source: () => new WebSocketSource({ settings: options.settings, secure: options.secure, buffer: PROBE_BUFFER }),
    spec,
    display: () => resolveEndpoint(options.settings, options.secure, spec.path, ['ws:', 'wss:']).display,
    waitMs: options.waitMs ?? DEFAULT_PROBE_WAIT_MS,
    connectedNote: sendsMessage ? '(connect message sent)' : undefined,
  });
}
