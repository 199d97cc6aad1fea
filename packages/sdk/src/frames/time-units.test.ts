/**
 * The time-unit conversions against exact BigInt arithmetic, at the edges a plugin can reach: the
 * int64 nanosecond limits, negative epochs (before 1970), sub-millisecond parts, and non-numbers.
 */
import { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS, NS_PER_MS, isFrameTimeMs, millisFromNanos, timesFromMillis } from './time-units';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Exact reference: the whole milliseconds as BigInt, plus the fraction rounded to the nanosecond. */
function referenceNanos(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** Floor division, like Go's UnixMilli, with the rest in [0, 1e6). */
function referenceSplit(ns: bigint): [ms: number, nanos: number] {
  let ms = ns / 1_000_000n;
  if (ns < 0n && ms * 1_000_000n !== ns) ms -= 1n;
  return [Number(ms), Number(ns - ms * 1_000_000n)];
}

describe('timesFromMillis', () => {
  it('matches exact BigInt arithmetic at the limits, around zero and before 1970', () => {
    const samples = [0, -0, 1, -1, 999, -999, 1_700_000_000_123, -1_700_000_000_123, MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS, MAX_FRAME_TIME_MS - 1, MIN_FRAME_TIME_MS + 1];
    expect([...timesFromMillis(samples)]).toEqual(samples.map((ms) => BigInt(ms) * 1_000_000n));
  });

  it('keeps sub-millisecond parts, rounded to the nanosecond, for negative times too', () => {
    expect([...timesFromMillis([1.000001, 0.5, -0.25, -1.5, 1_700_000_000_000.25, -0.0000004])]).toEqual([
      1_000_001n,
      500_000n,
      -250_000n,
      -1_500_000n,
      1_700_000_000_000_250_000n,
      0n,
    ]);
  });

  it('matches the exact reference for random times over the whole range', () => {
    const samples: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const ms = (Math.random() * 2 - 1) * MAX_FRAME_TIME_MS;
      samples.push(i % 2 === 0 ? Math.trunc(ms) : Math.round(ms * 1000) / 1000);
    }
    const ns = timesFromMillis(samples);
    const mismatches = samples.filter((ms, i) => ns[i] !== referenceNanos(ms));
    expect(mismatches).toEqual([]);
  });

  it('refuses what int64 nanoseconds cannot hold, naming the row', () => {
    for (const bad of [MAX_FRAME_TIME_MS + 1, MIN_FRAME_TIME_MS - 1, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, -Infinity]) {
      expect(() => timesFromMillis([0, bad])).toThrow(RangeError);
    }
    expect(() => timesFromMillis([0, 1e13])).toThrow('time at row 1 (10000000000000 ms) is not a representable nanosecond time');
  });

  it('has limits that are exactly the int64 nanosecond range in whole milliseconds', () => {
    expect(BigInt(MAX_FRAME_TIME_MS) * BigInt(NS_PER_MS) <= INT64_MAX).toBe(true);
    expect(BigInt(MAX_FRAME_TIME_MS + 1) * BigInt(NS_PER_MS) > INT64_MAX).toBe(true);
    expect(BigInt(MIN_FRAME_TIME_MS - 1) * BigInt(NS_PER_MS) < INT64_MIN).toBe(true);
    expect([isFrameTimeMs(MAX_FRAME_TIME_MS), isFrameTimeMs(MAX_FRAME_TIME_MS + 0.5), isFrameTimeMs(Number.NaN), isFrameTimeMs(-Infinity)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('millisFromNanos', () => {
  it('splits into floored ms and the nanoseconds left, over the whole int64 range', () => {
    const samples = [0n, 1n, -1n, 999_999n, 1_000_000n, -1_000_000n, -1_000_001n, INT64_MAX, INT64_MIN, 1_700_000_000_123_456_789n, -1_700_000_000_123_456_789n];
    for (let i = 0; i < 2000; i++) {
      samples.push(BigInt.asIntN(64, BigInt(Math.floor(Math.random() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(Math.random() * 2 ** 32))));
    }
    const { millis, nanos } = millisFromNanos(BigInt64Array.from(samples), samples.length);
    const mismatches = samples.filter((ns, i) => {
      const [ms, rest] = referenceSplit(ns);
      return millis[i] !== ms || (nanos?.[i] ?? 0) !== rest;
    });
    expect(mismatches).toEqual([]);
  });

  it('has no nanos for whole milliseconds, skips invalid rows and reads only `rows` entries', () => {
    const ns = BigInt64Array.from([5_000_000n, 6_000_001n, -7_000_000n, 123n]);
    expect(millisFromNanos(ns, 1)).toEqual({ millis: Float64Array.from([5]), nanos: undefined });
    const { millis, nanos } = millisFromNanos(ns, 3, Uint8Array.from([1, 0, 1]));
    expect([...millis]).toEqual([5, 0, -7]);
    expect(nanos).toBeUndefined();
    expect([...millisFromNanos(ns.subarray(1), 1).nanos!]).toEqual([1]);
  });

  it('gives back the milliseconds timesFromMillis was given, at the limits too', () => {
    const ms = [MIN_FRAME_TIME_MS, -1, 0, 1, 1_700_000_000_000, MAX_FRAME_TIME_MS];
    const back = millisFromNanos(timesFromMillis(ms), ms.length);
    expect([...back.millis]).toEqual(ms);
    expect(back.nanos).toBeUndefined();
  });
});
