/**
 * The time-series packet writer must be indistinguishable from the general frame-JSON writer: every
 * case here is compared byte for byte with frameToJSONBytes of the equivalent frame.
 */
import { checkFrame, frame, frameToJSONBytes, numberField, timeField, timeSeriesDataJSONBytes } from './index';

function viaFrame(timesMs: number[], columns: number[][]): Buffer {
  return frameToJSONBytes(checkFrame(frame({ fields: [timeField('time', timesMs), ...columns.map((c, i) => numberField(`s${i}`, Float64Array.from(c)))] })), 'data');
}

function expectSameBytes(timesMs: number[], columns: number[][]): void {
  const fast = timeSeriesDataJSONBytes(Float64Array.from(timesMs), columns.map((c) => Float64Array.from(c)));
  expect(fast.toString('utf8')).toBe(viaFrame(timesMs, columns).toString('utf8'));
  expect(Buffer.compare(fast, viaFrame(timesMs, columns))).toBe(0);
}

/** Deterministic pseudo-random doubles over many magnitudes (xorshift; no Math.random so failures reproduce). */
function doubles(count: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => (next() - 0.5) * 10 ** Math.floor(next() * 60 - 30));
}

describe('timeSeriesDataJSONBytes', () => {
  const now = 1_764_341_634_950;

  it('matches the general writer for one row and for many rows of ordinary values', () => {
    expectSameBytes([now], [[1.2345678901234567], [-3], [0]]);
    const rows = 200;
    const times = Array.from({ length: rows }, (_, i) => now + i * 50);
    expectSameBytes(times, [doubles(rows, 1), doubles(rows, 2), doubles(rows, 3)]);
  });

  it('matches it for values across the whole double range, including huge ones written with exponents', () => {
    expectSameBytes([1, 2, 3, 4, 5, 6], [[1e21, -1e21, 1e-6, -1e-6, Number.MAX_VALUE, 123456789012345680000]]);
  });

  it('falls back to the general writer for NaN, ±Infinity (entities), -0 and tiny values (Go digits)', () => {
    expectSameBytes([now, now + 1, now + 2], [[NaN, Infinity, -Infinity], [1, 2, 3]]);
    expectSameBytes([now, now + 1], [[-0, 1e-7], [5e-324, -2.5e-9]]);
  });

  it('falls back for fractional and negative times (nanos, floored milliseconds)', () => {
    expectSameBytes([now + 0.5, now + 1.25], [[1, 2]]);
    expectSameBytes([-1500, -1, 0], [[1, 2, 3]]);
  });

  it('writes only the first `rows` entries of longer scratch arrays', () => {
    const times = new Float64Array([now, now + 50, 999]);
    const column = new Float64Array([4.5, -6.25, 777]);
    expect(timeSeriesDataJSONBytes(times, [column], 2).toString()).toBe(viaFrame([now, now + 50], [[4.5, -6.25]]).toString());
  });

  it('writes a frame with no rows and one with no value columns', () => {
    expectSameBytes([], [[], []]);
    expectSameBytes([now], []);
  });

  it('refuses a column shorter than the time column with the general writer\'s FrameError', () => {
    expect(() => timeSeriesDataJSONBytes(new Float64Array([now, now + 1]), [new Float64Array([1])])).toThrow(/same length/);
  });

  it('refuses times that are not representable, like timeField does', () => {
    expect(() => timeSeriesDataJSONBytes([1e13], [[1]])).toThrow(RangeError);
  });
});
