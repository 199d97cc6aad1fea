/** Frame notices about the source itself (not the payloads): connection trouble and dropped history. */
import type { Notice } from '@tributary/grafana-backend-sdk/frames';
import type { ConnectionState, SubscriptionStats } from '../contracts';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A warning while the connection is not up; undefined when connected. */
export function connectionNotice(state: ConnectionState, brokerName: string): Notice | undefined {
  switch (state.state) {
    case 'connected':
      return undefined;
    case 'connecting':
      return {
        severity: 'warning',
        text:
          `Not connected to ${brokerName} since ${iso(state.since)}` +
          (state.lastError ? `: ${state.lastError}` : '') +
          ` (connecting, attempt ${state.attempt}). Data stops at that time; it continues once the connection is back.`,
      };
    case 'failing':
      return {
        severity: 'error',
        text: `Not connected to ${brokerName} since ${iso(state.since)}: ${state.error} (next attempt in ${Math.ceil(state.retryInMs / 1000)} s).`,
      };
    case 'closed':
      return { severity: 'error', text: `The connection to ${brokerName} is closed (datasource settings changed or the backend is stopping).` };
  }
}

/** Said once on a stream when the connection is back after an interruption. */
export function reconnectedNotice(brokerName: string, downSinceMs: number | undefined, upSinceMs: number): Notice {
  const outage = downSinceMs === undefined ? 'after losing the connection' : `after ${Math.round((upSinceMs - downSinceMs) / 100) / 10} s`;
  return {
    severity: 'info',
    text:
      `Reconnected to ${brokerName} at ${iso(upSinceMs)} ${outage} ` +
      'and subscribed again; messages sent while the connection was down are missing unless the source kept them for us (an MQTT session, SSE Last-Event-ID replay).',
  };
}

/** A warning when the buffer let go of messages for lack of room (age limits are expected and not reported). */
export function droppedNotice(stats: SubscriptionStats, filter: string): Notice | undefined {
  const byRoom = stats.droppedByCount + stats.droppedByMemory;
  const parts: string[] = [];
  if (byRoom > 0) {
    parts.push(
      `the buffer of ${JSON.stringify(filter)} dropped its ${byRoom} oldest messages to stay within its limits ` +
        `(${stats.droppedByCount} by the message cap, ${stats.droppedByMemory} by the datasource memory cap); ` +
        'older history is gone: raise the buffer limits in the datasource settings to keep more',
    );
  }
  if (stats.rejectedOversize > 0) {
    parts.push(`${stats.rejectedOversize} messages were over the payload size limit and never buffered`);
  }
  return parts.length === 0 ? undefined : { severity: 'warning', text: `${capitalise(parts.join('; '))}.` };
}

/** Said once when a stream's position came from another process (the backend restarted). */
export function restartedNotice(): Notice {
  return {
    severity: 'warning',
    text: 'The backend restarted while this panel was streaming; the stream continues from now, so messages received around the restart are missing here (refresh the panel for the buffered history).',
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
