/** Save & test for an SSE datasource: open the stream, show the first event (of the filter) or the exact error. */
import type { ProbeResult } from '../contracts';
import type { SseSettings, SseStreamSpec } from '../../../../src/shared/webSources';
import { resolveEndpoint, type WebSecureValues } from '../common/endpoint';
import { DEFAULT_PROBE_WAIT_MS, PROBE_BUFFER, probeSource } from '../common/probe';
import { SseSource } from './connection';

export interface SseProbeOptions {
  settings: SseSettings;
  secure: WebSecureValues;
  spec?: SseStreamSpec;
  waitMs?: number;
}

export function probeSse(options: SseProbeOptions): Promise<ProbeResult> {
  const spec = options.spec ?? {};
  return probeSource({
    source: () => new SseSource({ settings: options.settings, secure: options.secure, buffer: PROBE_BUFFER }),
    spec,
    display: () => resolveEndpoint(options.settings, options.secure, spec.path, ['http:', 'https:']).display,
    waitMs: options.waitMs ?? DEFAULT_PROBE_WAIT_MS,
  });
}
