/**
 * The heavy half of a QueryData answer as a frame task: computing a history frame from plain data, so
 * the SDK can run it in a worker thread (and encode it there) without blocking live streams.
 */
import { defineFrameTask } from '@tributary/grafana-backend-sdk';
import type { StreamQuery } from './channelPath';
import { SeriesShape, type FrameLabels } from './series';

export interface SignalHistoryInput {
  query: StreamQuery;
  datasourceUid: string;
  labels: FrameLabels;
  firstStep: number;
  rows: number;
}

export const signalHistoryTask = defineFrameTask<SignalHistoryInput>('tributary.signalHistory', async (input, signal) => [
  await new SeriesShape(input.query, input.datasourceUid).frameAsync(input.firstStep, input.rows, signal, input.labels),
]);
