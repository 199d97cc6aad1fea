/** The history window over the widest ranges the SDK lets through: bounded rows, times a frame can hold. */
import { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS } from '@tributary/grafana-backend-sdk';
import { MAX_POINTS_PER_FRAME } from '../../../src/shared/validation';
import { historyWindow } from './history';

test('the whole representable range gives the most recent rows, all within the frame time bounds', () => {
  for (const interval of [10, 1000, 3_600_000]) {
    const w = historyWindow({ from: MIN_FRAME_TIME_MS, to: MAX_FRAME_TIME_MS }, interval, 0, 4);
    expect(w.rows).toBe(MAX_POINTS_PER_FRAME / 4);
    expect(w.cappedByPoints).toBe(true);
    const last = (w.firstStep + w.rows - 1) * interval;
    expect(last).toBeLessThanOrEqual(MAX_FRAME_TIME_MS);
    expect(last).toBeGreaterThan(MAX_FRAME_TIME_MS - interval);
    expect(w.firstStep * interval).toBeGreaterThanOrEqual(MIN_FRAME_TIME_MS);
  }
});

test('a range at the lower bound keeps its first step inside it', () => {
  const w = historyWindow({ from: MIN_FRAME_TIME_MS, to: MIN_FRAME_TIME_MS + 10_000 }, 1000, 0, 1);
  expect(w.firstStep * 1000).toBeGreaterThanOrEqual(MIN_FRAME_TIME_MS);
  expect(w.rows).toBe(10);
});
