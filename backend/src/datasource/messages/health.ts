/**
 * Save & test for a message source: a fresh probe connection (connect, subscribe to the test topic or
 * the topic filters of recent queries, wait a few seconds for the first message) plus the state of the
 * datasource's live connection. The probe's message is the user's answer; the details hold the rest.
 */
import type { CheckHealthResult } from '@tributary/grafana-backend-sdk';
import type { BufferSettings } from '../../../../src/shared/mqtt';
import type { ConnectionState } from '../../sources/contracts';
import type { MessageConnection } from '../../sources/glue/ports';

/** How long Save & test waits for the first message. */
export const PROBE_WAIT_MS = 3_000;

export interface HealthInput {
  version: string;
  connection: MessageConnection;
  /** What the settings name to probe (MQTT's test topic); otherwise the recent queries' streams. */
  testStreams?: string[];
  buffer: BufferSettings;
  recentFilters: string[];
  activeChannels: number;
  waitMs?: number;
}

export function describeConnection(state: ConnectionState | undefined): string {
  if (state === undefined) {
    return 'no stream open (none is needed until a query runs)';
  }
  const since = new Date(state.since).toISOString();
  switch (state.state) {
    case 'connected':
      return `connected since ${since}`;
    case 'connecting':
      return `connecting since ${since} (attempt ${state.attempt})${state.lastError ? `; last error: ${state.lastError}` : ''}`;
    case 'failing':
      return `not connected since ${since}: ${state.error}; retrying in ${Math.ceil(state.retryInMs / 1000)} s`;
    case 'closed':
      return `closed since ${since}`;
  }
}

export async function probeHealth(input: HealthInput): Promise<CheckHealthResult> {
  const topics = input.testStreams ?? input.recentFilters;
  const probe = await input.connection.probe(topics, input.waitMs ?? PROBE_WAIT_MS);
  const state = input.connection.state();
  const live = describeConnection(state);
  return {
    status: probe.ok ? 'ok' : 'error',
    message: `${probe.message} Datasource connection: ${live}.`,
    details: {
      version: input.version,
      source: input.connection.endpoint,
      probed: topics.slice(0, 1).map((stream) => input.connection.describeStream(stream)),
      ...(probe.sample ? { sample: probe.sample } : {}),
      connection: state,
      activeChannels: input.activeChannels,
      buffer: input.buffer,
    },
  };
}
