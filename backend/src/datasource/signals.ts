/**
 * The signal generators. Every value is a pure function of (datasource uid, signal parameters,
 * series index, step) where step = timestamp / sampleIntervalMs, so QueryData history and live streams
 * (in this process or another) compute the same number for the same instant.
 */
import type { SignalParams } from '../../../src/shared/query';
import { hashString } from './random';
import { WalkCursor } from './randomWalk';

/** Values of one series at integer steps; may keep a cursor, so one instance per consumer. */
type SeriesFunction = (step: number) => number;

/** Fraction of the period elapsed at `timeMs`, shifted per series; exact for integer times. */
function phase(timeMs: number, periodMs: number, shift: number): number {
  const withinPeriod = (((timeMs % periodMs) + periodMs) % periodMs) / periodMs;
  const shifted = withinPeriod + shift;
  return shifted >= 1 ? shifted - 1 : shifted;
}

function seriesFunction(params: SignalParams, seed: number, series: number): SeriesFunction {
  const { amplitude, offset, sampleIntervalMs, periodMs, seriesCount } = params;
  // Periodic signals spread their series evenly over one period (three series → three-phase).
  const shift = series / seriesCount;
  switch (params.signal) {
    case 'sine':
      return (step) => offset + amplitude * Math.sin(2 * Math.PI * phase(step * sampleIntervalMs, periodMs, shift));
    case 'square':
      return (step) => (phase(step * sampleIntervalMs, periodMs, shift) < 0.5 ? offset + amplitude : offset - amplitude);
    case 'sawtooth':
      return (step) => offset - amplitude + 2 * amplitude * phase(step * sampleIntervalMs, periodMs, shift);
    case 'counter':
      return (step) => offset + amplitude * (series + 1) * step;
    case 'random-walk': {
      const cursor = new WalkCursor((seed ^ Math.imul(series + 1, 0x9e3779b1)) >>> 0);
      return (step) => offset + amplitude * cursor.valueAt(step);
    }
  }
}

/** Generates every series of one query; keep one per history request or stream channel. */
export class SignalGenerator {
  private readonly series: SeriesFunction[];

  constructor(
    readonly params: SignalParams,
    datasourceUid: string,
  ) {
    const seed = hashString(datasourceUid);
    this.series = Array.from({ length: params.seriesCount }, (_, i) => seriesFunction(params, seed, i));
  }

  get seriesCount(): number {
    return this.series.length;
  }

  /** One column per series for `rows` consecutive steps starting at `firstStep`. */
  columns(firstStep: number, rows: number): Float64Array[] {
    const columns = this.series.map(() => new Float64Array(rows));
    this.fill(columns, firstStep, 0, rows);
    return columns;
  }

  /** Fills rows [fromRow, fromRow + count) of `columns`, where row 0 is step `firstStep`. */
  fill(columns: Float64Array[], firstStep: number, fromRow: number, count: number): void {
    this.series.forEach((valueAt, i) => {
      const column = columns[i];
      for (let row = fromRow; row < fromRow + count; row++) {
        column[row] = valueAt(firstStep + row);
      }
    });
  }
}
