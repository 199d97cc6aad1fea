/**
 * Every number -> JSON text rule of the SDK in one place, shaped the way the Go SDK writes numbers:
 * float64 and float32 cells, config numbers (Go's ConfFloat64), NaN/±Inf (null plus an `entities`
 * entry in frame JSON), negative zero, and int64/uint64 digits.
 *
 * Why by hand: JS and Go print the same shortest digits, but Go keeps the sign of -0, writes at least
 * two exponent digits (`1e-07`), and has its own `%v` thresholds for config numbers; float32 needs its
 * own shortest form; no JSON library writes Go's forms. Facts: the Go SDK's output, pinned by the
 * golden tests.
 */

/** Which frame-JSON entity list a non-finite value goes to. */
export type FloatEntity = 'NaN' | 'Inf' | 'NegInf';

/**
 * True when `v` is finite but printed differently by Go than by JS: negative zero, and magnitudes below
 * 1e-6 (an exponent Go pads to two digits). Such values need `goFloat`.
 */
export function needsGoDigits(v: number): boolean {
  return v < 1e-6 && v > -1e-6 && (v !== 0 || 1 / v < 0);
}

/**
 * True when JSON.stringify (V8's fastest number formatter) prints `v` exactly as Go does: finite and
 * not one of the `needsGoDigits` cases. Hot loops call this per value; it is kept tiny to be inlined.
 */
export function printsAsGo(v: number): boolean {
  return v - v === 0 && !needsGoDigits(v);
}

/** The entity a non-finite value is listed under (call only for NaN/±Inf). */
export function floatEntity(v: number): FloatEntity {
  if (v !== v) return 'NaN';
  return v > 0 ? 'Inf' : 'NegInf';
}

/**
 * A finite float64 as Go writes it: same shortest digits and exponent thresholds as JS, but Go
 * prints at least two exponent digits (`1e-07`) and keeps the sign of negative zero.
 */
export function goFloat(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  return v > -1e-6 && v < 1e-6 ? padExponent(s) : s;
}

/** A float32 value (already widened to a double) in Go's shortest float32 form, e.g. `3.4028235e+38`. */
export function goFloat32(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return goFloat(candidate);
  }
  return goFloat(v);
}

function padExponent(s: string): string {
  const e = s.indexOf('e');
  if (e < 0 || s.length - e !== 3) return s; // "e-7" is 3 chars: one exponent digit
  return `${s.slice(0, e + 2)}0${s.slice(e + 2)}`;
}

/**
 * A float64 as one frame-JSON value: Go's digits, or `null` for NaN/±Inf (frame JSON then lists the
 * row in `entities`; config and meta numbers have no entities and stay null).
 */
export function float64JSON(v: number): string {
  return v - v === 0 ? goFloat(v) : 'null';
}

/**
 * Go's ConfFloat64 (config min/max, threshold values, range mappings): NaN/Inf and non-numbers as null,
 * other values printed with `%v`, i.e. shortest digits with an exponent when it is below -4 or at
 * least 6 (`1e+06`, `1.5e-05`).
 */
export function goConfFloat(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'null';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // The usual case (e.g. an interval in ms) needs no exponent; a double in this range never prints as 1e+06.
  const magnitude = Math.abs(v);
  if (magnitude >= 1e-4 && magnitude < 1e6) return String(v);
  const exponential = v.toExponential(); // shortest digits, e.g. "1.5e-5"
  const e = exponential.indexOf('e');
  const exp = Number(exponential.slice(e + 1));
  if (exp >= -4 && exp < 6) return String(v);
  const digits = exponential.slice(e + 2);
  return `${exponential.slice(0, e + 2)}${digits.length < 2 ? '0' : ''}${digits}`;
}

/**
 * An int64/uint64 as its exact decimal digits. A JS number would round above 2^53; Go writes every
 * digit, and Grafana's frontend reads them as numbers. (A whole BigInt64Array's `join(',')` prints
 * the same digits, which the column writer uses as its fast path.)
 */
export function int64JSON(v: bigint): string {
  return v.toString();
}
