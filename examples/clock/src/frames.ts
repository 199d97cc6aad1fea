/** The clock series: one row per tick, the tick's time and the second of the minute it falls on. */
import { frame, numberField, timeField, type Frame, type FrameMeta } from '@tributary/grafana-backend-sdk/frames';

/** The second of the minute (0 to 59.999) at epoch millisecond `ms`: a sawtooth a panel shows plainly. */
export function secondOfMinute(ms: number): number {
  return (ms % 60_000) / 1000;
}

/** The ticks on the `stepMs` grid within [from, to], oldest first. */
export function ticks(from: number, to: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / stepMs) * stepMs; t <= to; t += stepMs) out.push(t);
  return out;
}

export function clockFrame(times: readonly number[], meta?: FrameMeta, refId?: string): Frame {
  return frame({
    name: 'clock',
    refId,
    meta,
    fields: [timeField('time', times), numberField('second', times.map(secondOfMinute), { config: { unit: 's' } })],
  });
}
