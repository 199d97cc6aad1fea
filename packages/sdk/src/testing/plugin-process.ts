/**
 * Starts a plugin's entry script as Grafana does (go-plugin environment, first stdout line parsed like
 * go-plugin's client) and watches its stdio; plus builders of requests in the wire shape Grafana sends.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { grafanaPluginEnv, parseHandshake, parseLogLine, type Handshake, type LogLine } from './grafana-host';

export class PluginProcess {
  readonly stdoutLines: string[] = [];
  readonly stderrLines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private logWaiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  private lineWaiters: ((line: string | undefined) => void)[] = [];
  private stdoutClosed = false;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.stdoutLines.push(line);
      this.lineWaiters.shift()?.(line);
    });
    child.stdout.on('close', () => {
      this.stdoutClosed = true;
      for (const w of this.lineWaiters.splice(0)) w(undefined);
    });
    createInterface({ input: child.stderr }).on('line', (raw) => {
      const entry = parseLogLine(raw);
      this.stderrLines.push(entry);
      this.logWaiters = this.logWaiters.filter((w) => {
        if (!w.match(entry)) return true;
        w.resolve(entry);
        return false;
      });
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The first stdout line, or undefined if stdout closed first (process died). */
  firstLine(): Promise<string | undefined> {
    if (this.stdoutLines.length) return Promise.resolve(this.stdoutLines[0]);
    if (this.stdoutClosed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.lineWaiters.push(resolve));
  }

  waitForLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    const found = this.stderrLines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.logWaiters.push({ match, resolve }));
  }

  waitForMessage(message: string): Promise<LogLine> {
    return this.waitForLog((l) => l.json?.['@message'] === message);
  }

  stderrText(): string {
    return this.stderrLines.map((l) => l.raw).join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Starts `node [nodeArgs] bundle [args]`. */
export function spawnPlugin(bundle: string, env: NodeJS.ProcessEnv, args: string[] = [], nodeArgs: string[] = []): PluginProcess {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build it first`);
  const child = spawn(process.execPath, [...nodeArgs, bundle, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new PluginProcess(child);
}

/** Grafana's plugin environment plus the host PATH. */
export function grafanaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return grafanaPluginEnv({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra });
}

/** Starts the plugin as Grafana does and returns it with its parsed handshake. */
export async function startManaged(bundle: string, extraEnv: Record<string, string> = {}): Promise<{ plugin: PluginProcess; handshake: Handshake }> {
  const plugin = spawnPlugin(bundle, grafanaEnv(extraEnv));
  const line = await plugin.firstLine();
  if (line === undefined) throw new Error(`plugin exited before we could connect:\n${plugin.stderrText()}`);
  return { plugin, handshake: parseHandshake(line) };
}

let nextId = 1;

/** A PluginContext as Grafana sends it for a datasource request. */
export function wirePluginContext(overrides: { jsonData?: unknown; rawJsonData?: Buffer; lastUpdatedMS?: number; uid?: string; grafanaConfig?: Record<string, string>; secure?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    orgId: 1,
    pluginId: 'sdk-test-datasource',
    user: { login: 'admin', name: 'Admin', email: 'admin@example.com', role: 'Admin' },
    dataSourceInstanceSettings: {
      id: nextId++,
      uid: overrides.uid ?? 'ds-1',
      name: 'Test DS',
      url: 'http://upstream.invalid',
      jsonData: overrides.rawJsonData ?? Buffer.from(JSON.stringify(overrides.jsonData ?? {})),
      decryptedSecureJsonData: overrides.secure ?? {},
      lastUpdatedMS: overrides.lastUpdatedMS ?? 1,
    },
    grafanaConfig: overrides.grafanaConfig ?? { GF_APP_URL: 'http://localhost:3000/' },
    pluginVersion: '0.0.1-test',
    userAgent: 'Grafana/13.2.3 (linux; amd64)',
  };
}

/** A DataQuery as Grafana sends it (wire shape; `json` is the query model's bytes). */
export function wireDataQuery(refId: string, queryType: string, model: unknown, raw?: Buffer): Record<string, unknown> {
  return {
    refId,
    queryType,
    maxDataPoints: 100,
    intervalMS: 1000,
    timeRange: { fromEpochMS: 1_700_000_000_000, toEpochMS: 1_700_000_060_000 },
    json: raw ?? Buffer.from(JSON.stringify(model)),
  };
}
