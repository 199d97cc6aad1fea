/**
 * Drives a bundled backend the way Grafana does: go-plugin environment, first stdout line parsed like
 * go-plugin's client, then a grpc-js client built from our own .proto files.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
const protoDir = path.join(repoRoot, 'backend', 'proto');

/** Bundles the test plugin with the real build script (per test file, so parallel files never race). */
export function buildTestPlugin(name: string): string {
  const outfile = path.join(repoRoot, 'dist', 'test', `${name}.js`);
  const result = spawnSync(
    process.execPath,
    ['scripts/build-backend.mjs', '--entry', 'backend/test/fixtures/test-plugin-main.ts', '--outfile', outfile],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`building the test plugin failed:\n${result.stderr}${result.stdout}`);
  return outfile;
}

/** The go-plugin environment Grafana gives a plugin (reference/protocol.md §2.2), on a clean env. */
export function grafanaEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    grafana_plugin_type: 'datasource',
    PLUGIN_PROTOCOL_VERSIONS: '2',
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
    GF_VERSION: '13.2.3',
    ...extra,
  };
}

export function tempDir(prefix = 'sdk-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Handshake {
  core: number;
  version: number;
  network: 'unix' | 'tcp';
  address: string;
  protocol: string;
}

/** Parses the handshake like go-plugin's client.Start(): trim, split on "|", check each part. */
export function parseHandshake(line: string): Handshake {
  const parts = line.trim().split('|');
  if (parts.length < 4) throw new Error(`Unrecognized remote plugin message: ${line}`);
  if (parts[0] !== '1') throw new Error(`Incompatible core API version with plugin: ${parts[0]}`);
  if (parts[1] !== '2') throw new Error(`Incompatible API version with plugin: ${parts[1]}`);
  if (parts[2] !== 'unix' && parts[2] !== 'tcp') throw new Error(`Unknown address type: ${parts[2]}`);
  const protocol = parts.length > 4 ? parts[4] : 'netrpc';
  if (protocol !== 'grpc') throw new Error(`Unsupported plugin protocol ${protocol}`);
  return { core: 1, version: 2, network: parts[2], address: parts[3], protocol };
}

export interface LogLine {
  raw: string;
  json?: Record<string, unknown>;
}

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
      let json: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(raw);
        if (parsed && typeof parsed === 'object') json = parsed;
      } catch {
        // plain line
      }
      const entry = { raw, json };
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

export function spawnPlugin(bundle: string, env: NodeJS.ProcessEnv, args: string[] = []): PluginProcess {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const child = spawn(process.execPath, [bundle, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new PluginProcess(child);
}

/** Starts the plugin as Grafana does and returns it with its parsed handshake. */
export async function startManaged(bundle: string, extraEnv: Record<string, string> = {}): Promise<{ plugin: PluginProcess; handshake: Handshake }> {
  const plugin = spawnPlugin(bundle, grafanaEnv(extraEnv));
  const line = await plugin.firstLine();
  if (line === undefined) throw new Error(`plugin exited before we could connect:\n${plugin.stderrText()}`);
  return { plugin, handshake: parseHandshake(line) };
}

// ---------------------------------------------------------------- gRPC client from our protos

const definition = protoLoader.loadSync(
  readdirSync(protoDir).filter((f) => f.endsWith('.proto')).map((f) => path.join(protoDir, f)),
  { keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: true },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as Record<string, any>;

type Ctor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client;

const SERVICES = {
  data: loaded.pluginv2.Data,
  diagnostics: loaded.pluginv2.Diagnostics,
  resource: loaded.pluginv2.Resource,
  stream: loaded.pluginv2.Stream,
  health: loaded.grpc.health.v1.Health,
  controller: loaded.plugin.GRPCController,
  stdio: loaded.plugin.GRPCStdio,
  broker: loaded.plugin.GRPCBroker,
} as Record<string, Ctor>;

export type Clients = Record<keyof typeof SERVICES, any> & { close(): void };

/** One client per service over a shared channel, dialled like go-plugin (plaintext, huge limits). */
export function connect(handshake: Pick<Handshake, 'network' | 'address'>): Clients {
  const target = handshake.network === 'unix' ? `unix:${handshake.address}` : handshake.address;
  const options: grpc.ClientOptions = {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
    'grpc.default_authority': 'unused',
  };
  const first = new SERVICES.data(target, grpc.credentials.createInsecure(), options);
  const channel = first.getChannel();
  const clients: Record<string, unknown> = { data: first };
  for (const [name, Ctor] of Object.entries(SERVICES)) {
    if (name !== 'data') clients[name] = new Ctor(target, grpc.credentials.createInsecure(), { ...options, channelOverride: channel });
  }
  return Object.assign(clients, { close: () => first.close() }) as Clients;
}

/** Promisified unary call. */
export function unary<T = any>(client: any, method: string, request: unknown, options: grpc.CallOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, new grpc.Metadata(), options, (err: grpc.ServiceError | null, response: T) => (err ? reject(err) : resolve(response)));
  });
}

/** Reads a server stream to its end; resolves with the messages and the final status. */
export function collect<T = any>(call: grpc.ClientReadableStream<T>): Promise<{ messages: T[]; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    call.on('data', (m: T) => messages.push(m));
    call.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    call.on('end', () => resolve({ messages }));
  });
}

let nextId = 1;

/** A PluginContext as Grafana sends it for a datasource request. */
export function pluginContext(overrides: { jsonData?: unknown; rawJsonData?: Buffer; lastUpdatedMS?: number; uid?: string; grafanaConfig?: Record<string, string>; secure?: Record<string, string> } = {}): Record<string, unknown> {
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

export function dataQuery(refId: string, queryType: string, model: unknown, raw?: Buffer): Record<string, unknown> {
  return {
    refId,
    queryType,
    maxDataPoints: 100,
    intervalMS: 1000,
    timeRange: { fromEpochMS: 1_700_000_000_000, toEpochMS: 1_700_000_060_000 },
    json: raw ?? Buffer.from(JSON.stringify(model)),
  };
}
