/**
 * hclog-compatible JSON logger on stderr: one JSON object per line with
 * string `@level`, `@message`, `@timestamp` (exactly 6 fractional digits) plus key/values. go-plugin
 * asserts those three are strings, so nothing else is ever written there. The message and every value
 * are bounded here, once for all callers (clip.ts), so client-supplied text never makes a huge line.
 */
import type { Logger } from '../types';
import { callLogFields } from './call-scope';
import { budgetFor, clipString } from './clip';
import { redact } from './redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  return v in RANK ? (v as LogLevel) : undefined;
}

// Date has millisecond resolution; the monotonic clock supplies the microseconds.
const originMicros = BigInt(Date.now()) * 1000n - process.hrtime.bigint() / 1000n;

/** `2026-08-20T12:00:00.123456Z` — the layout go-plugin parses (`2006-01-02T15:04:05.000000Z07:00`). */
export function hclogTimestamp(micros: bigint = originMicros + process.hrtime.bigint() / 1000n): string {
  const ms = Number(micros / 1000n);
  const iso = new Date(ms).toISOString(); // 2026-08-20T12:00:00.123Z
  const fraction = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

export type LineWriter = (line: string) => void;

let stderrBroken = false;

/** Stops writing once stderr is known to be gone (EPIPE): logging into it would only raise more errors. */
export function markStderrBroken(): void {
  stderrBroken = true;
}

const writeStderr: LineWriter = (line) => {
  if (stderrBroken) return;
  try {
    process.stderr.write(line);
  } catch {
    stderrBroken = true; // stderr gone (Grafana exited): nothing left to tell anyone.
  }
};

function encodeValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return value.message;
  if (value === undefined) return null;
  return value;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** hclog `@module`, e.g. the plugin id. */
  module?: string;
  write?: LineWriter;
}

export class HclogLogger implements Logger {
  private readonly level: LogLevel;
  private readonly module?: string;
  private readonly writeLine: LineWriter;
  private readonly fields: Record<string, unknown>;

  constructor(options: LoggerOptions = {}, fields: Record<string, unknown> = {}) {
    this.level = options.level ?? 'info';
    this.module = options.module;
    this.writeLine = options.write ?? writeStderr;
    this.fields = fields;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level] && this.level !== 'off';
  }

  trace(message: string, fields?: Record<string, unknown>): void {
    this.log('trace', message, fields);
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  with(fields: Record<string, unknown>): HclogLogger {
    // Clipped when stored too: a child logger (e.g. per refId) must not keep a huge client string alive.
    const kept: Record<string, unknown> = { ...this.fields };
    for (const [key, value] of Object.entries(fields)) kept[key] = typeof value === 'string' ? clipString(value, budgetFor(key)) : value;
    return new HclogLogger({ level: this.level, module: this.module, write: this.writeLine }, kept);
  }

  log(level: Exclude<LogLevel, 'off'>, message: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const text = clipString(String(message));
    const entry: Record<string, unknown> = {
      '@level': level,
      '@message': text,
      '@timestamp': hclogTimestamp(),
    };
    if (this.module) entry['@module'] = this.module;
    const extra = redact({ ...callLogFields(), ...this.fields, ...fields }) as Record<string, unknown>;
    for (const [key, value] of Object.entries(extra)) {
      // Never let a caller overwrite the typed hclog keys with a non-string.
      entry[key.startsWith('@') ? `_${key}` : key] = encodeValue(value);
    }
    let line: string;
    try {
      line = JSON.stringify(entry, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    } catch {
      line = JSON.stringify({ '@level': level, '@message': text, '@timestamp': entry['@timestamp'] });
    }
    this.writeLine(line + '\n');
  }
}
