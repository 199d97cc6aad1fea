/**
 * Data-only frame JSON for the commonest streaming shape — one time column plus float64 columns —
 * from the numbers, without building a Frame. Not a second encoder: the text is written by the frame
 * JSON writer's own column writers (json.ts), so it is byte-identical to
 * `frameToJSONBytes(frame({ fields: [timeField(…, timesMs), numberField(…, column)…] }), 'data')`
 * (series-json.test.ts checks it). What this entry skips is building the Frame: a BigInt64Array of
 * nanoseconds that the time writer would take apart again, field objects and validation — the
 * caller's own shape check, done once when the stream starts, replaces per-packet validation.
 * Times that need nanos (fractional or out-of-range milliseconds) and short columns go through the
 * Frame path, which writes them or names the problem.
 */
import { numberField, timeField, frame } from './builders';
import { frameToJSONBytes, millisSeriesDataJSON } from './json';

/** The largest |epoch ms| a nanosecond time column can hold (see timesFromMillis). */
const MAX_TIME_MS = 9.2e12;

/**
 * `{"data":{"values":[[times…],[column 0…],…]}}` for the first `rows` entries of `timesMs` (epoch
 * milliseconds) and of every column. `rows` defaults to `timesMs.length`, so scratch arrays longer
 * than the packet can be reused.
 */
export function timeSeriesDataJSONBytes(timesMs: ArrayLike<number>, columns: readonly ArrayLike<number>[], rows = timesMs.length): Buffer {
  for (let row = 0; row < rows; row++) {
    const t = timesMs[row];
    if (!Number.isInteger(t) || t > MAX_TIME_MS || t < -MAX_TIME_MS) return viaFrame(timesMs, columns, rows);
  }
  for (const column of columns) {
    if (column.length < rows) return viaFrame(timesMs, columns, rows);
  }
  return Buffer.from(`{"data":${millisSeriesDataJSON(timesMs, columns, rows)}}`, 'utf8');
}

function viaFrame(timesMs: ArrayLike<number>, columns: readonly ArrayLike<number>[], rows: number): Buffer {
  const head = (values: ArrayLike<number>) => Float64Array.from({ length: Math.min(rows, values.length) }, (_, i) => values[i]);
  const fields = [timeField('time', head(timesMs)), ...columns.map((column, i) => numberField(`v${i}`, head(column)))];
  return frameToJSONBytes(frame({ fields }), 'data');
}
