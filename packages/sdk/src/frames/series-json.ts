/**
 * Data-only frame JSON for the commonest streaming shape — one time column plus float64 columns —
 * written straight from the numbers, without building a Frame. Byte-identical to
 * `frameToJSONBytes(frame({ fields: [timeField(…, timesMs), numberField(…, column)…] }), 'data')`
 * (series-json.test.ts proves it); the data part of frame JSON carries no names or types, so the
 * caller's own shape check (done once, when the stream starts) replaces per-packet validation.
 *
 * Why by hand: a live channel sends one small packet per tick, where building a Frame (a
 * BigInt64Array of nanoseconds, field objects, validation) and then taking it apart again costs
 * several times more than writing the few numbers. Rows the general writer prints differently —
 * fractional or out-of-range times (nanos), NaN/±Inf (entities), -0 and |v| < 1e-6 (Go digits) —
 * make this fall back to the general writer, so the output never depends on which path ran.
 */
import { numberField, timeField, frame } from './builders';
import { frameToJSONBytes } from './json';
import { printsAsGo } from './number-format';
import { isFrameTimeMs } from './time-units';
import { checkFrame, checkedByConstruction } from './validate';

/**
 * `{"data":{"values":[[times…],[column 0…],…]}}` for the first `rows` entries of `timesMs` (epoch
 * milliseconds) and of every column. `rows` defaults to `timesMs.length`, so scratch arrays longer
 * than the packet can be reused.
 */
export function timeSeriesDataJSONBytes(timesMs: ArrayLike<number>, columns: readonly ArrayLike<number>[], rows = timesMs.length): Buffer {
  let out = '{"data":{"values":[[';
  for (let row = 0; row < rows; row++) {
    const t = timesMs[row];
    // Whole, representable milliseconds print as plain integers; anything else needs the nanos/limits logic.
    if (!Number.isInteger(t) || !isFrameTimeMs(t)) return generalEncoding(timesMs, columns, rows);
    out += row === 0 ? `${t}` : `,${t}`;
  }
  out += ']';
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c];
    if (column.length < rows) return generalEncoding(timesMs, columns, rows); // let the general writer name the problem
    out += ',[';
    for (let row = 0; row < rows; row++) {
      const v = column[row];
      // Same test as the general float64 writer's fast path: anything but plain finite digits goes there.
      if (!printsAsGo(v)) return generalEncoding(timesMs, columns, rows);
      out += row === 0 ? `${v}` : `,${v}`;
    }
    out += ']';
  }
  // Digits, signs, '.', 'e' and punctuation only: latin1 is the same bytes as UTF-8 and quicker to copy.
  return Buffer.from(`${out}]}}`, 'latin1');
}

function generalEncoding(timesMs: ArrayLike<number>, columns: readonly ArrayLike<number>[], rows: number): Buffer {
  const head = (values: ArrayLike<number>) => Float64Array.from({ length: Math.min(rows, values.length) }, (_, i) => values[i]);
  const fields = [timeField('time', head(timesMs)), ...columns.map((column, i) => numberField(`v${i}`, head(column)))];
  // Inputs shorter than `rows` make fields of different lengths: only then is there anything to check.
  const short = timesMs.length < rows || columns.some((column) => column.length < rows);
  const built = frame({ fields });
  return frameToJSONBytes(short ? checkFrame(built) : checkedByConstruction(built), 'data');
}
