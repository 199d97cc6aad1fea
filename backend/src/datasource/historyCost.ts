/**
 * What a history query will cost, told to the SDK before it is computed (admission): rows × series
 * points, and the bytes of the encoded frame. Arrow is exact arithmetic; frame JSON prints every number
 * in its shortest form, so a few of the query's own rows are printed to learn how wide they are (the
 * random walk, whose values always print at full precision and are costly to seek, is not sampled).
 */
import type { SignalParams } from '../../../src/shared/query';
import type { DataFrameFormat, QueryCost } from '@tributary/grafana-backend-sdk';
import { float64JSON } from '@tributary/grafana-backend-sdk/frames';
import type { HistoryWindow } from './history';
import { SignalGenerator } from './signals';

/** Rows printed to measure value widths: enough for the periodic patterns, cheap for 100 queries. */
const SAMPLE_ROWS = 16;
/** Margin over the sampled width: the other rows may print a digit or two longer. */
const JSON_MARGIN = 1.1;
/** A full-precision float as JSON prints it ("-12.345678901234567") plus its comma. */
const FULL_PRECISION_CHARS = 20;

export function historyCost(window: HistoryWindow, params: SignalParams, datasourceUid: string, format: DataFrameFormat): QueryCost {
  const { rows } = window;
  const series = params.seriesCount;
  const points = rows * series;
  if (format === 'arrow' || rows === 0) return { points, bytes: rows * 8 * (series + 1) };
  // The last rows: a growing signal (counter) prints its widest values there.
  const sampled = Math.min(SAMPLE_ROWS, rows);
  const firstSampled = window.firstStep + rows - sampled;
  const timeChars = String((firstSampled + sampled - 1) * params.sampleIntervalMs).length + 1;
  if (params.signal === 'random-walk') return { points, bytes: Math.ceil(rows * (timeChars + FULL_PRECISION_CHARS * series)) };
  const columns = new SignalGenerator(params, datasourceUid).columns(firstSampled, sampled);
  let valueChars = 0;
  for (const column of columns) for (const value of column) valueChars += float64JSON(value).length + 1;
  return { points, bytes: Math.ceil(rows * (timeChars + valueChars / sampled) * JSON_MARGIN) };
}
