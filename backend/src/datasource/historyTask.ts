/**
 * The heavy half of a QueryData answer as a frame task: computing a history frame from plain data, so
 * the SDK can run it in a worker thread (and encode it there) without blocking live streams.
 */
import type { SignalParams } from '../../../src/shared/query';
import { defineFrameTask } from '@tributary/grafana-backend-sdk';
import { signalFrameAsync, type FrameShape } from './frames';
import { SignalGenerator } from './signals';

export interface SignalHistoryInput {
  shape: FrameShape;
  params: SignalParams;
  datasourceUid: string;
  firstStep: number;
  rows: number;
}

export const signalHistoryTask = defineFrameTask<SignalHistoryInput>('tributary.signalHistory', async (input, signal) => [
  await signalFrameAsync(input.shape, new SignalGenerator(input.params, input.datasourceUid), input.firstStep, input.rows, signal),
]);
