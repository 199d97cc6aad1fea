/**
 * The cost Tributary declares before computing must be close to what the encoders really write: too
 * low lets an oversized answer be computed for nothing, too high refuses an answer that would fit.
 */
import { checkFrame, frameToArrow, frameToJSONBytes } from '@tributary/grafana-backend-sdk/frames';
import type { Frame } from '@tributary/grafana-backend-sdk/frames';
import type { DataFrameFormat } from '@tributary/grafana-backend-sdk';
import { validateQuery } from '../../../src/shared/validation';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';
import { historyWindow } from './history';
import { historyCost } from './historyCost';
import { SeriesShape } from './series';

const UID = 'cost-test';
const NOW = Date.UTC(2026, 0, 1, 12);

function encodedSize(model: Record<string, unknown>, spanMs: number, format: DataFrameFormat): { estimate: number; actual: number } {
  const result = validateQuery(model, { ...DEFAULT_SETTINGS, maxSeries: 20 });
  if (!result.ok) throw new Error(result.problem.message);
  const query = result.query;
  const window = historyWindow({ from: NOW - spanMs, to: NOW }, query.sampleIntervalMs, 0, query.seriesCount);
  const frame: Frame = new SeriesShape(query, UID).frame(window.firstStep, window.rows, { refId: 'A' });
  const actual = format === 'arrow' ? frameToArrow(checkFrame(frame)).byteLength : frameToJSONBytes(checkFrame(frame), 'all').byteLength;
  return { estimate: historyCost(window, query, UID, format).bytes!, actual };
}

const cases: Array<[string, Record<string, unknown>, number]> = [
  ['sine, 3 series, 1 h at 100 ms', { signal: 'sine', seriesCount: 3, sampleIntervalMs: 100 }, 3_600_000],
  ['random walk, 2 series, 1 h at 1 s', { signal: 'random-walk', seriesCount: 2, sampleIntervalMs: 1000 }, 3_600_000],
  ['sawtooth, 20 series, 1 day at 1 s', { signal: 'sawtooth', seriesCount: 20, sampleIntervalMs: 1000 }, 86_400_000],
  ['square, 2 series, 6 h at 1 s', { signal: 'square', seriesCount: 2, sampleIntervalMs: 1000 }, 21_600_000],
  ['counter, 4 series, 1 day at 10 s', { signal: 'counter', seriesCount: 4, sampleIntervalMs: 10_000 }, 86_400_000],
];

describe.each(['arrow', 'json'] as const)('%s cost estimate', (format) => {
  test.each(cases)('%s: close to the real encoded size', (_name, model, span) => {
    const { estimate, actual } = encodedSize(model, span, format);
    // Never much below (the schema is the only part not counted) and never far above.
    expect(estimate).toBeGreaterThan(actual * 0.9);
    expect(estimate).toBeLessThan(actual * 1.35);
  });
});

