/**
 * Row times from payload values. A time is two numbers, whole epoch milliseconds and the nanoseconds
 * past them (0..999999), so nanosecond payload times survive without a BigInt per row.
 *
 * `auto` reads numbers by magnitude (see EPOCH_CUTOFFS; documented in docs/sources.md) and strings as
 * numbers when they are numeric, else as ISO-8601 / RFC 3339.
 */
import type { TimeFormat } from '../../../../src/shared/mapping';

export interface Instant {
  ms: number;
  ns: number;
}

/** Absolute epoch values below these are seconds / milliseconds / microseconds; anything larger is ns. */
export const EPOCH_CUTOFFS = { seconds: 1e11, millis: 1e14, micros: 1e17 } as const;

/** Times must fit the frames' int64 nanoseconds (years 1677..2262). */
const MAX_ABS_MS = 9_223_372_036_854;

type Unit = 'epoch-s' | 'epoch-ms' | 'epoch-us' | 'epoch-ns';
const UNIT_MS: Record<Unit, number> = { 'epoch-s': 1000, 'epoch-ms': 1, 'epoch-us': 1e-3, 'epoch-ns': 1e-6 };
const UNIT_NS_BIG: Record<Unit, bigint> = { 'epoch-s': 1_000_000_000n, 'epoch-ms': 1_000_000n, 'epoch-us': 1000n, 'epoch-ns': 1n };

function unitByMagnitude(abs: number): Unit {
  if (abs < EPOCH_CUTOFFS.seconds) return 'epoch-s';
  if (abs < EPOCH_CUTOFFS.millis) return 'epoch-ms';
  if (abs < EPOCH_CUTOFFS.micros) return 'epoch-us';
  return 'epoch-ns';
}

function checked(ms: number, ns: number): Instant | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_ABS_MS) return undefined;
  return { ms, ns };
}

function fromNumber(value: number, unit: Unit): Instant | undefined {
  if (!Number.isFinite(value)) return undefined;
  const total = value * UNIT_MS[unit];
  const ms = Math.floor(total);
  let ns = Math.round((total - ms) * 1e6);
  // Integers in ns/µs divide exactly; recompute the remainder from the integer to avoid float noise.
  if (Number.isSafeInteger(value) && unit !== 'epoch-s' && unit !== 'epoch-ms') {
    const perMs = unit === 'epoch-ns' ? 1_000_000 : 1000;
    const rem = ((value % perMs) + perMs) % perMs;
    ns = rem * (1_000_000 / perMs);
  }
  if (ns >= 1_000_000) return checked(ms + 1, ns - 1_000_000);
  return checked(ms, ns);
}

/** An integer string read exactly (19-digit nanosecond epochs are beyond a double's precision). */
function fromIntegerText(text: string, unit: Unit): Instant | undefined {
  const total = BigInt(text) * UNIT_NS_BIG[unit];
  let ms = total / 1_000_000n;
  let ns = total % 1_000_000n;
  if (ns < 0n) {
    ns += 1_000_000n;
    ms -= 1n;
  }
  return checked(Number(ms), Number(ns));
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fromNumericText(text: string, format: TimeFormat): Instant | undefined {
  const unit = format === 'auto' ? unitByMagnitude(Math.abs(Number(text))) : (format as Unit);
  if (INTEGER.test(text)) return fromIntegerText(text.replace(/^\+/, ''), unit);
  return fromNumber(Number(text), unit);
}

// Hand-written: Date.parse keeps milliseconds only and accepts many non-standard forms; RFC 3339 needs
// the fraction to the nanosecond and a strict grammar.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO-8601 / RFC 3339: date, optional time, optional fraction (to ns), `Z` or offset; no zone = UTC. */
export function parseIsoTime(text: string): Instant | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, Math.min(second, 59));
  if (day > 28 && new Date(ms).getUTCDate() !== day) return undefined; // 2023-02-30
  if (second === 60) ms += 1000; // leap second: the next instant
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = Number(digits.slice(2) || '0');
    if (offH > 23 || offM > 59) return undefined;
    ms -= sign * (offH * 60 + offM) * 60_000;
  }
  const nineDigits = (frac + '000000000').slice(0, 9);
  ms += Number(nineDigits.slice(0, 3));
  return checked(ms, Number(nineDigits.slice(3)));
}

/** The time in a payload value, or undefined when it is missing or not a time in `format`. */
export function parseTime(value: unknown, format: TimeFormat): Instant | undefined {
  if (typeof value === 'number') {
    if (format === 'iso8601') return undefined;
    const unit = format === 'auto' ? unitByMagnitude(Math.abs(value)) : format;
    return fromNumber(value, unit);
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (DECIMAL.test(text)) return format === 'iso8601' ? undefined : fromNumericText(text, format);
  if (format !== 'auto' && format !== 'iso8601') return undefined;
  return parseIsoTime(text);
}

/** Compares two instants. */
export function compareInstants(a: Instant, b: Instant): number {
  return a.ms - b.ms || a.ns - b.ns;
}

/** The instant 1 ns after `t`. */
export function nextInstant(t: Instant): Instant {
  return t.ns === 999_999 ? { ms: t.ms + 1, ns: 0 } : { ms: t.ms, ns: t.ns + 1 };
}

export function instantFromMillis(ms: number): Instant {
  const whole = Math.floor(ms);
  const ns = Math.round((ms - whole) * 1e6);
  return ns >= 1_000_000 ? { ms: whole + 1, ns: 0 } : { ms: whole, ns };
}
