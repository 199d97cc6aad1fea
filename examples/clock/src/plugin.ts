/**
 * The clock datasource: QueryData answers the clock series over the panel's range (up to now) and
 * names the live channel that continues it; RunStream pushes one row per tick on that channel.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSourceInstance, PluginDefinition } from '@tributary/grafana-backend-sdk';
import { clockFrame, ticks } from './frames';
import { decodeClockQuery, parseStreamPath, streamPath, type ClockQuery } from './query';

/** Most rows one query returns: a longer range widens the step to a multiple of intervalMs. */
export const MAX_ROWS = 10_000;

function newClock(uid: string): DataSourceInstance<ClockQuery> {
  return {
    decodeQuery: decodeClockQuery,

    query(query) {
      const { from, to } = query.timeRange;
      const end = Math.min(to, Date.now());
      const limit = Math.max(1, Math.min(MAX_ROWS, query.maxDataPoints || MAX_ROWS));
      const { intervalMs } = query.model;
      const stepMs = intervalMs * Math.max(1, Math.ceil((end - from) / intervalMs / limit));
      const channel = `ds/${uid}/${streamPath(query.model)}`;
      return { frames: [clockFrame(end < from ? [] : ticks(from, end, stepMs), { channel }, query.refId)] };
    },

    checkHealth() {
      return { status: 'ok', message: `The clock is ticking: ${new Date().toISOString()}` };
    },

    subscribeStream(req) {
      return { status: parseStreamPath(req.path) ? 'ok' : 'notFound' };
    },

    async runStream(req, sender, ctx) {
      const query = parseStreamPath(req.path);
      if (!query) return;
      let include: 'all' | 'data' = 'all'; // the first packet carries the schema
      while (!ctx.signal.aborted) {
        const now = Date.now();
        const next = Math.ceil((now + 1) / query.intervalMs) * query.intervalMs;
        try {
          await sleep(next - now, undefined, { signal: ctx.signal });
        } catch {
          return; // aborted: the last subscriber left or Grafana stopped the stream
        }
        if (!sender.sendFrame(clockFrame([next]), include)) await sender.drained().catch(() => undefined);
        include = 'data';
      }
    },
  };
}

export const clockPlugin: PluginDefinition<ClockQuery> = {
  pluginId: 'tributary-clock-datasource',
  version: '0.1.0',
  newInstance: (settings) => newClock(settings.uid),
};
