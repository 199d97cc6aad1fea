/**
 * The time units of data frames in one place: the builders, the frame-JSON writer, the stream fast
 * path and the SDK's time-range check all convert and bound times here. Frames hold time as int64
 * nanoseconds since the Unix epoch (a BigInt64Array); plugins, Grafana's time ranges and frame JSON
 * speak epoch milliseconds (frame JSON adds the sub-millisecond rest as `nanos`).
 *
 * Why by hand: a BigInt per row (`BigInt(ms) * 1000000n`) costs several times more than splitting
 * the int64 into its two 32-bit words and doing exact double arithmetic on them, and no library does
 * this column-wise. 2^32 = 4294 × 10^6 + 967296 is what makes the split exact.
 */

export const NS_PER_MS = 1_000_000;

/** Latest epoch millisecond whose nanoseconds fit in an int64 (2262-04-11T23:47:16.854Z). */
export const MAX_FRAME_TIME_MS = 9_223_372_036_854;
/** Earliest epoch millisecond whose nanoseconds fit in an int64 (1677-09-21T00:12:43.146Z). */
export const MIN_FRAME_TIME_MS = -MAX_FRAME_TIME_MS;

const TWO_32 = 4294967296;
const TWO_20 = 1048576;
/** 2^32 = HI_MS × 10^6 + HI_REST: the millisecond and nanosecond parts of one high word. */
const HI_MS = 4294;
const HI_REST = 967296;

/** True when `ms` (epoch milliseconds) converts to int64 nanoseconds. */
export function isFrameTimeMs(ms: number): boolean {
  return ms >= MIN_FRAME_TIME_MS && ms <= MAX_FRAME_TIME_MS; // false for NaN
}

/**
 * Epoch milliseconds -> nanosecond time column, without a BigInt per row. Fractional milliseconds keep
 * their sub-millisecond part, rounded to the nanosecond. Throws RangeError for a time outside
 * [MIN_FRAME_TIME_MS, MAX_FRAME_TIME_MS] (or not finite).
 */
export function timesFromMillis(millis: ArrayLike<number>): BigInt64Array {
  const n = millis.length;
  const out = new BigInt64Array(n);
  const lo = new Uint32Array(out.buffer, out.byteOffset, n * 2);
  const hi = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const ms = millis[i];
    if (!isFrameTimeMs(ms)) throw new RangeError(`time at row ${i} (${ms} ms) is not a representable nanosecond time`);
    const whole = Math.floor(ms);
    const extraNs = Math.round((ms - whole) * NS_PER_MS);
    // ns = whole * 1e6 + extraNs = A * 2^20 + B with A, B exact in a double
    const wholeHi = Math.floor(whole / TWO_20);
    const a = wholeHi * NS_PER_MS;
    const b = (whole - wholeHi * TWO_20) * NS_PER_MS + extraNs;
    const aHi = Math.floor(a / 4096); // A * 2^20 = aHi * 2^32 + (A mod 4096) * 2^20
    const low = (a - aHi * 4096) * TWO_20 + b;
    const carry = Math.floor(low / TWO_32);
    lo[2 * i] = low - carry * TWO_32;
    hi[2 * i + 1] = aHi + carry;
  }
  return out;
}

/** Epoch milliseconds (floored, like Go's UnixMilli) and the nanoseconds left over (0..999999). */
export interface MillisAndNanos {
  millis: Float64Array;
  /** Absent when every row is a whole millisecond. */
  nanos: Float64Array | undefined;
}

/**
 * Nanosecond times (the first `rows` of `ns`) -> epoch ms plus the remaining nanoseconds, exact for
 * the whole int64 range. Rows whose `valid` byte is 0 are left at 0.
 */
export function millisFromNanos(ns: BigInt64Array, rows: number, valid?: Uint8Array): MillisAndNanos {
  const lo = new Uint32Array(ns.buffer, ns.byteOffset, rows * 2);
  const hi = new Int32Array(ns.buffer, ns.byteOffset, rows * 2);
  const millis = new Float64Array(rows);
  let nanos: Float64Array | undefined;
  for (let i = 0; i < rows; i++) {
    if (valid !== undefined && valid[i] === 0) continue;
    const h = hi[2 * i + 1];
    const r = h * HI_REST + lo[2 * i]; // |r| < 2^52, exact
    let q = Math.floor(r / NS_PER_MS);
    let rem = r - q * NS_PER_MS;
    // The division is rounded: one correction step puts rem back in [0, 1e6).
    if (rem < 0) {
      q -= 1;
      rem += NS_PER_MS;
    } else if (rem >= NS_PER_MS) {
      q += 1;
      rem -= NS_PER_MS;
    }
    millis[i] = h * HI_MS + q;
    if (rem !== 0) (nanos ??= new Float64Array(rows))[i] = rem;
  }
  return { millis, nanos };
}
