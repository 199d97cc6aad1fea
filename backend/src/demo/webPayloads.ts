/**
 * Demo payloads of the web endpoints (WebSocket ticker, SSE service metrics, polled weather
 * readings). Like the MQTT sensors, each keeps a slowly drifting state and every payload carries the
 * time it describes, in a different format per endpoint (epoch ms, epoch seconds, ISO-8601), so the
 * mapping's time formats can be seen at work.
 */

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** A mean-reverting random walk step, so values never run away. */
function walk(value: number, step: number, limit: number, random: () => number): number {
  return Math.max(-limit, Math.min(limit, value * 0.98 + (random() - 0.5) * step));
}

// --- WebSocket: a market ticker --------------------------------------------------------------------

export const TICKER_SYMBOLS = ['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA'] as const;
const BASE_PRICES: Record<string, number> = { ACME: 120, GLOBEX: 48, INITECH: 15.5, UMBRELLA: 310 };

/** The subscribe command a ticker client sends after connecting: `{"op":"subscribe","symbols":[...]}` (`"*"`: all). */
export function parseSubscribe(text: string): string[] | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'expected JSON like {"op":"subscribe","symbols":["ACME"]}' };
  }
  const command = body as { op?: unknown; symbols?: unknown };
  if (command.op !== 'subscribe') return { error: 'unknown op (expected "subscribe")' };
  if (command.symbols === '*') return [...TICKER_SYMBOLS];
  if (!Array.isArray(command.symbols)) return { error: 'symbols must be a list or "*"' };
  const unknown = command.symbols.filter((s) => !(TICKER_SYMBOLS as readonly unknown[]).includes(s));
  if (unknown.length > 0) return { error: `unknown symbols: ${unknown.map(String).join(', ')} (known: ${TICKER_SYMBOLS.join(', ')})` };
  return command.symbols as string[];
}

export class TickerState {
  private readonly drift = new Map<string, number>(TICKER_SYMBOLS.map((s) => [s, 0]));
  private sequence = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** One tick at `atMs` (epoch milliseconds, its field `time`), with a nested quote per symbol. */
  tick(atMs: number): { time: number; seq: number; quotes: Record<string, { price: number; bid: number; ask: number; volume: number }> } {
    this.sequence += 1;
    const quotes: Record<string, { price: number; bid: number; ask: number; volume: number }> = {};
    for (const symbol of TICKER_SYMBOLS) {
      const drift = walk(this.drift.get(symbol)!, 0.01, 0.15, this.random);
      this.drift.set(symbol, drift);
      const price = BASE_PRICES[symbol] * (1 + drift);
      const spread = price * 0.0005;
      quotes[symbol] = {
        price: round(price, 2),
        bid: round(price - spread, 2),
        ask: round(price + spread, 2),
        volume: Math.round(100 + this.random() * 900),
      };
    }
    return { time: atMs, seq: this.sequence, quotes };
  }
}

/** Only the quotes of `symbols`. */
export function tickFor(tick: ReturnType<TickerState['tick']>, symbols: readonly string[]): ReturnType<TickerState['tick']> {
  return { ...tick, quotes: Object.fromEntries(Object.entries(tick.quotes).filter(([symbol]) => symbols.includes(symbol))) };
}

// --- SSE: service metrics and deploy events ---------------------------------------------------------

export const METRIC_HOSTS = ['web-1', 'web-2', 'worker-1'] as const;

export class MetricsState {
  private readonly cpu = new Map<string, number>(METRIC_HOSTS.map((h) => [h, 0]));
  private readonly rps = new Map<string, number>(METRIC_HOSTS.map((h) => [h, 0]));

  constructor(private readonly random: () => number = Math.random) {}

  /** The `metrics` event at `atMs`: its time `ts` in epoch **seconds** (with a fraction), per-host values nested. */
  metrics(atMs: number): { ts: number; hosts: Record<string, { cpuPercent: number; requestsPerSecond: number; errorRate: number; memoryMiB: number }> } {
    const hosts: Record<string, { cpuPercent: number; requestsPerSecond: number; errorRate: number; memoryMiB: number }> = {};
    for (const [index, host] of METRIC_HOSTS.entries()) {
      const cpu = walk(this.cpu.get(host)!, 6, 25, this.random);
      const rps = walk(this.rps.get(host)!, 20, 80, this.random);
      this.cpu.set(host, cpu);
      this.rps.set(host, rps);
      hosts[host] = {
        cpuPercent: round(35 + index * 10 + cpu, 1),
        requestsPerSecond: round(Math.max(0, 220 - index * 60 + rps), 1),
        errorRate: round(this.random() < 0.05 ? 0.02 + this.random() * 0.05 : this.random() * 0.005, 4),
        memoryMiB: Math.round(900 + index * 300 + Math.sin(atMs / 120_000 + index) * 80),
      };
    }
    return { ts: atMs / 1000, hosts };
  }
}

/** The occasional `deploy` event: a service rolled out a version at `atMs` (ISO-8601 `at`). */
export function deployEvent(atMs: number, sequence: number): { at: string; service: string; version: string } {
  const services = ['api', 'web', 'worker'];
  return { at: new Date(atMs).toISOString(), service: services[sequence % services.length], version: `1.${Math.floor(sequence / 3)}.${sequence % 10}` };
}

// --- HTTP polling: a weather station's recent observations ------------------------------------------

export interface WeatherReading {
  observedAt: string;
  temperatureC: number;
  humidityPercent: number;
  windKph: number;
  pressureHpa: number;
}

export class WeatherState {
  private temperature = 0;
  private wind = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** One observation at `atMs`; its time `observedAt` is ISO-8601 text. */
  observe(atMs: number): WeatherReading {
    this.temperature = walk(this.temperature, 0.3, 4, this.random);
    this.wind = walk(this.wind, 3, 15, this.random);
    const daily = Math.sin(((atMs / 3_600_000 - 9) / 24) * 2 * Math.PI) * 4;
    return {
      observedAt: new Date(atMs).toISOString(),
      temperatureC: round(11 + daily + this.temperature, 1),
      humidityPercent: round(Math.min(100, 70 - daily * 3 + this.random() * 4), 1),
      windKph: round(Math.max(0, 14 + this.wind), 1),
      pressureHpa: round(1009 + Math.sin(atMs / 900_000) * 3, 1),
    };
  }
}
