/** Save & test for an HTTP polling datasource: one request, the first row as a sample or the exact error. */
import type { ProbeResult } from '../contracts';
import type { HttpPollSettings, HttpPollStreamSpec } from '../../../../src/shared/webSources';
import { resolveEndpoint, type WebSecureValues } from '../common/endpoint';
import { DEFAULT_PROBE_WAIT_MS, PROBE_BUFFER, probeSource } from '../common/probe';
import { HttpPollSource } from './poller';

export interface HttpPollProbeOptions {
  settings: HttpPollSettings;
  secure: WebSecureValues;
  spec?: HttpPollStreamSpec;
  /** How long the one request may take, ms. */
  waitMs?: number;
}

export function probeHttpPoll(options: HttpPollProbeOptions): Promise<ProbeResult> {
  const spec = options.spec ?? {};
  return probeSource({
    // Never deduplicated against anything: a fresh source with no rows seen.
    source: () => new HttpPollSource({ settings: options.settings, secure: options.secure, buffer: PROBE_BUFFER }),
    spec,
    display: () => resolveEndpoint(options.settings, options.secure, spec.path, ['http:', 'https:']).display,
    waitMs: options.waitMs ?? DEFAULT_PROBE_WAIT_MS,
    answerIsEnough: true,
  });
}
