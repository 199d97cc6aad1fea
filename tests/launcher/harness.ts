/**
 * A stand-in for Grafana's side of plugin start-up, as go-plugin does it (reference/host.md §2,
 * protocol.md §2.5): start the executable with the plugin env, take the FIRST stdout line as the
 * handshake, dial the advertised address with plaintext gRPC. Plus helpers to look at processes.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const LAUNCHER_SOURCE = path.join(repoRoot, 'backend', 'launcher', 'gpx_tributary.sh');
export const PROTO_DIR = path.join(repoRoot, 'backend', 'proto');
export const BUNDLE = path.join(repoRoot, 'dist', 'backend', 'main.js');

/** How a test runs the launcher: through a named shell, or executed directly (shebang), as Grafana does. */
export interface ShellUnderTest {
  name: string;
  /** Interpreter argv to put before the script; empty = exec the file itself. */
  argv: string[];
  /** PATH to use when a test gives none (e.g. busybox applets only, as in Alpine-based Grafana images). */
  path?: string;
}

/** A directory where date, sed, tr, ... are busybox applets, like /bin on Alpine. */
function busyboxAppletDir(busybox: string): string {
  const dir = tempDir('trbb-');
  for (const applet of ['date', 'cut', 'tr', 'sed', 'dirname', 'sleep', 'cat', 'ls']) {
    symlinkSync(busybox, path.join(dir, applet));
  }
  return dir;
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * dash and busybox sh (with busybox applets as its only tools, as on Alpine) when installed (CI
 * installs both), plus direct execution through #!/bin/sh.
 */
export function shellsUnderTest(): ShellUnderTest[] {
  const shells: ShellUnderTest[] = [{ name: 'direct exec (#!/bin/sh)', argv: [] }];
  const dash = findOnPath('dash');
  if (dash) shells.push({ name: 'dash', argv: [dash] });
  else console.warn('tests/launcher: dash not installed, skipping the dash runs (apt-get install dash)');
  const busybox = findOnPath('busybox');
  if (busybox) shells.push({ name: 'busybox sh with busybox applets', argv: [busybox, 'sh'], path: busyboxAppletDir(busybox) });
  else console.warn('tests/launcher: busybox not installed, skipping the busybox runs (apt-get install busybox)');
  return shells;
}

/**
 * The environment Grafana >= 12.4 gives a plugin process: its own variables and go-plugin's, and
 * none of the host's (no PATH, no HOME). `extra` adds `[plugin.<id>]` keys (GF_PLUGIN_*) or test knobs.
 */
export function grafanaPluginEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GF_VERSION: '13.2.3',
    GF_INSTANCE_FEATURE_TOGGLES_ENABLE: '',
    grafana_plugin_type: 'datasource',
    PLUGIN_PROTOCOL_VERSIONS: '2',
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
    ...extra,
  };
}

export interface Handshake {
  network: 'unix' | 'tcp';
  address: string;
  line: string;
}

/** go-plugin's parsing of the first stdout line (client.go Start): trimmed, split on '|'. */
export function parseHandshake(line: string): Handshake {
  const parts = line.trim().split('|');
  if (parts.length < 4) throw new Error(`Unrecognized remote plugin message: ${line}`);
  if (parts[0] !== '1') throw new Error(`Incompatible core API version with plugin: ${parts[0]}`);
  if (parts[1] !== '2') throw new Error(`Incompatible API version with plugin: ${parts[1]}`);
  if (parts[2] !== 'unix' && parts[2] !== 'tcp') throw new Error(`Unknown address type: ${parts[2]}`);
  if (parts[4] !== 'grpc') throw new Error(`Unsupported plugin protocol: ${parts[4]}`);
  return { network: parts[2] as Handshake['network'], address: parts[3], line };
}

export interface RunningPlugin {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first stdout line; rejects if the process exits before printing one. */
  firstLine: Promise<string>;
  /** Resolves once the process has exited AND every holder of its stdout/stderr pipes is gone. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr contains `text`. */
  stderrIncludes(text: string): Promise<void>;
}

/** Starts `file` the way go-plugin's cmd runner does: its own stdio pipes, exactly `env`. */
export function startPlugin(shell: ShellUnderTest, file: string, env: Record<string, string>): RunningPlugin {
  const [command, ...args] = shell.argv.length > 0 ? [...shell.argv, file] : [file];
  const fullEnv = shell.path && env.PATH === undefined ? { ...env, PATH: shell.path } : env;
  const child = spawn(command, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const stderrWaiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline !== -1) resolve(out.slice(0, newline));
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`plugin exited before we could connect (code ${code}, signal ${signal}); stderr:\n${err}`)),
    );
  });
  // Tests that expect an early exit never read firstLine: keep its rejection from being "unhandled".
  firstLine.catch(() => undefined);
  child.stderr!.on('data', (chunk: string) => {
    err += chunk;
    for (const waiter of stderrWaiters.splice(0)) {
      if (err.includes(waiter.text)) waiter.resolve();
      else stderrWaiters.push(waiter);
    }
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return {
    child,
    pid: child.pid,
    firstLine,
    closed,
    stdout: () => out,
    stderr: () => err,
    stderrIncludes: (text) =>
      err.includes(text) ? Promise.resolve() : new Promise((resolve) => stderrWaiters.push({ text, resolve })),
  };
}

/** PIDs whose parent is `pid` (from /proc, Linux). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // process ended while we looked
    }
  }
  return children;
}

export function processCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function processExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

const createdTempDirs: string[] = [];

export function tempDir(prefix: string): string {
  // Short base: unix socket paths are limited to ~107 bytes.
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  createdTempDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir() made in this test file; call from afterAll. */
export function removeTempDirs(): void {
  for (const dir of createdTempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Checks one stderr line the way go-plugin's hclog JSON parser would accept it (protocol.md §2.6). */
export function assertHclogLine(line: string): { level: string; message: string } {
  const entry = JSON.parse(line) as Record<string, unknown>;
  for (const key of ['@level', '@message', '@timestamp']) {
    if (typeof entry[key] !== 'string') throw new Error(`${key} must be a string in ${line}`);
  }
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(entry['@level'] as string)) {
    throw new Error(`unknown @level in ${line}`);
  }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/.test(entry['@timestamp'] as string)) {
    throw new Error(`@timestamp needs exactly 6 fractional digits in ${line}`);
  }
  return { level: entry['@level'] as string, message: entry['@message'] as string };
}

// --- gRPC, with our protos ----------------------------------------------------------------------

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, arrays: true };

type ServiceClientCtor = new (target: string, credentials: grpc.ChannelCredentials, options?: object) => grpc.Client;

export interface Protos {
  health: grpc.ServiceClientConstructor;
  data: grpc.ServiceClientConstructor;
  stream: grpc.ServiceClientConstructor;
  diagnostics: grpc.ServiceClientConstructor;
}

let protos: Protos | undefined;

/** Loads every .proto in backend/proto (written by the protocol engineer). */
export function loadProtos(): Protos {
  if (protos) return protos;
  const files = readdirSync(PROTO_DIR)
    .filter((f) => f.endsWith('.proto'))
    .map((f) => path.join(PROTO_DIR, f));
  const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] })) as any;
  protos = {
    health: loaded.grpc.health.v1.Health,
    data: loaded.pluginv2.Data,
    stream: loaded.pluginv2.Stream,
    diagnostics: loaded.pluginv2.Diagnostics,
  };
  return protos;
}

/** The grpc-js target for a handshake address (go-plugin dials `unix` paths and `host:port`). */
export function grpcTargetFor(handshake: Handshake): string {
  return handshake.network === 'unix' ? `unix:${handshake.address}` : handshake.address;
}

export function clientFor<T extends grpc.Client>(ctor: grpc.ServiceClientConstructor, handshake: Handshake): T {
  const Ctor = ctor as unknown as ServiceClientCtor;
  return new Ctor(grpcTargetFor(handshake), grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
  }) as T;
}

export function unary<Req, Res>(client: grpc.Client, method: string, request: Req, timeoutMs = 10_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as any)[method] as (...args: unknown[]) => void;
    fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err: Error | null, res: Res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** grpc.health.v1.Health/Check for service "plugin" through the advertised address. */
export async function healthStatus(handshake: Handshake): Promise<string> {
  const client = clientFor(loadProtos().health, handshake);
  try {
    const res = await unary<{ service: string }, { status: string }>(client, 'Check', { service: 'plugin' });
    return res.status;
  } finally {
    client.close();
  }
}

export interface TestSidecar {
  /** `unix:/path` or `tcp:127.0.0.1:PORT` as a launcher would be configured with. */
  address: string;
  checks: number;
  close(): Promise<void>;
}

/**
 * A minimal gRPC server standing in for the sidecar in launcher tests: the launcher's job is only to
 * point Grafana at an address, so what matters is that a call made through the handshake lands here.
 */
export function startHealthSidecar(listen: { unix: string } | { tcpHost: string }): Promise<TestSidecar> {
  const server = new grpc.Server();
  const sidecar: TestSidecar = {
    address: '',
    checks: 0,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(loadProtos().health.service, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) => {
      sidecar.checks++;
      callback(null, { status: 'SERVING' });
    },
  });
  const target = 'unix' in listen ? `unix:${listen.unix}` : `${listen.tcpHost}:0`;
  return new Promise((resolve, reject) =>
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(err);
      sidecar.address = 'unix' in listen ? `unix:${listen.unix}` : `tcp:${listen.tcpHost}:${port}`;
      resolve(sidecar);
    }),
  );
}

/** Fails with a clear message when a test needs the built backend. */
export function requireBuiltBundle(): string {
  if (!existsSync(BUNDLE)) {
    throw new Error(`${path.relative(repoRoot, BUNDLE)} is missing: run npm run build first`);
  }
  return BUNDLE;
}
