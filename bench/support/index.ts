/**
 * Pieces shared by the benchmarks: a growable sample buffer with quantiles, the clock they read,
 * the way they print a figure next to its baseline, and a process's RSS from /proc.
 * (scripts/bench.mjs only runs files named *.bench.ts, so this module is never run on its own.)
 */
import { readFileSync } from 'node:fs';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Epoch ms with sub-ms resolution (Date.now() is floored to the ms); agrees with Date.now() to ~10 µs here. */
export const epochNow = () => performance.timeOrigin + performance.now();

export class Samples {
  private values = new Float64Array(1 << 16);
  private n = 0;
  add(value: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = value;
  }
  get count(): number {
    return this.n;
  }
  at(index: number): number {
    return this.values[index];
  }
  clear(): void {
    this.n = 0;
  }
  /** The q-quantile (nearest rank); NaN when empty. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const sorted = this.values.slice(0, this.n).sort();
    return sorted[Math.min(this.n - 1, Math.floor(q * this.n))];
  }
  max(): number {
    let max = Number.NaN;
    for (let i = 0; i < this.n; i++) if (!(this.values[i] <= max)) max = this.values[i];
    return max;
  }
}

export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function ratio(value: number, reference: number): string {
  return reference > 0 && Number.isFinite(value) ? `${fmt(value / reference)}×` : 'n/a';
}

/** One figure: label, value, and what it is compared with. */
export function line(label: string, value: string, comparison: string, labelWidth = 44): void {
  console.log(`  ${label.padEnd(labelWidth)} ${value.padStart(14)}   ${comparison}`);
}

export const MiB = 1024 * 1024;

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now, VmHWM: peak resident); NaN if gone. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  } catch {
    return Number.NaN;
  }
}

export function rssBytes(pid: number): number {
  return procStatusBytes(pid, 'VmRSS');
}

/** CPU time (ms, user + system) a process has used so far, from /proc/<pid>/stat; NaN if gone. */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is [0], utime [11], stime [12], in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}
