/**
 * A stand-in for Grafana's side of launcher start-up, as go-plugin does it: start the executable
 * through the shells under test with the plugin env, take the FIRST stdout line as the handshake (parsed by tests/support/goplugin.ts), check health over
 * it. Plus helpers to look at processes and a stand-in sidecar.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { clientFor, repoRoot, serviceDefinitions, tempDir, unary, within, type Handshake } from '../support/goplugin';

export const LAUNCHER_SOURCE = path.join(repoRoot, 'backend', 'launcher', 'gpx_tributary.sh');
export const BUNDLE = path.join(repoRoot, 'dist', 'backend', 'main.js');

/** The Node binary inside the self-contained executables (scripts/build-executables.mjs). */
export const NODE_RUNTIME: { version: string; sidecarNodeFlags: string[]; targets: Record<string, { package: string; integrity: string }> } = JSON.parse(
  readFileSync(path.join(repoRoot, 'backend', 'launcher', 'node-runtime.json'), 'utf8'),
);

/** Node's process.arch → Go's GOARCH, as in the launcher file names. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** The launcher Grafana would run on this machine: `<dir>/<executable>_<os>_<arch>` with Go's names. */
export function launcherFor(dir: string, executable = 'gpx_tributary'): string {
  return path.join(dir, `${executable}_${process.platform}_${GOARCH[process.arch] ?? process.arch}`);
}

/** Sends `signal` to a child that is still running and resolves once it has exited. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

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

/**
 * Starts `file` the way go-plugin's cmd runner does: its own stdio pipes, exactly `env` (and no
 * arguments: `extraArgs` is for runs by hand).
 */
export function startPlugin(shell: ShellUnderTest, file: string, env: Record<string, string>, extraArgs: string[] = []): RunningPlugin {
  const [command, ...args] = [...shell.argv, file, ...extraArgs];
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

/** grpc.health.v1.Health/Check for service "plugin" through the advertised address. */
export async function healthStatus(handshake: Handshake): Promise<string> {
  const client = clientFor('health', handshake);
  try {
    const res = await unary<{ status: string }>(client, 'Check', { service: 'plugin' }, within(10_000));
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
  server.addService(serviceDefinitions().health, {
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

function startsWithElfMagic(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

/**
 * The built self-contained executable dist/gpx_tributary_linux_<arch> (Node + bundle in one ELF file);
 * fails with a clear message when dist/ holds the POSIX launcher there instead, or nothing.
 */
export function requireBuiltExecutable(target = `linux_${GOARCH[process.arch] ?? process.arch}`): string {
  const file = path.join(repoRoot, 'dist', `gpx_tributary_${target}`);
  if (!existsSync(file) || !startsWithElfMagic(file)) {
    throw new Error(`${path.relative(repoRoot, file)} is not the self-contained executable: run npm run build (or npm run build:executables) first`);
  }
  return file;
}

/** The file a process runs (/proc/<pid>/exe, Linux). */
export function processExecutable(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}
