#!/usr/bin/env node
// `npm run dev`: the development loop.
//   - frontend: webpack --watch (Grafana serves the new dist/module.js on the next browser reload);
//   - backend: on a change under backend/src, packages/sdk/src, packages/sdk/proto, backend/launcher or src/shared,
//     re-run the SDK package build, scripts/build-backend.mjs + scripts/build-launcher.mjs, then swap the sidecar process;
//   - the sidecar: `node dist/backend/main.js --listen unix:<repo>/.dev/run/plugin.sock`, which the
//     compose `dev` profile mounts into Grafana at /run/tributary (the launcher's default socket).
//
// Only the sidecar restarts; Grafana and its launcher keep running. The swap has no window where the
// socket path is dead: the new sidecar binds a temporary socket, and once it answers a health check
// the temporary socket is renamed over plugin.sock (atomic on one file system) and the old sidecar is
// killed. New gRPC connections then reach the new code at once; Grafana re-dials after losing the
// old connection and re-runs its live streams (a RunStream that fails is retried immediately).
// The old sidecar gets SIGKILL, not SIGTERM, because a graceful stop unlinks its socket *path*, which by
// then belongs to the new sidecar.
// With `--listen tcp:HOST:PORT` (for Docker Desktop, where unix sockets do not cross into the VM) a
// port cannot be handed over like that: the old sidecar stops gracefully, then the new one binds.
//
// Output goes to .dev/dist (the compose dev profile mounts it as the plugin folder), never to dist/:
// dist/ is the production build that `npm test` and docker compose use, and a development bundle
// left there would be what they test.
//
// Stopping: Ctrl-C or SIGTERM stop the watchers, the webpack child and the sidecar, and remove the
// socket. A start-up failure does the same before exiting with code 1.
//
// Usage: node scripts/dev.mjs [--listen unix:/abs/path.sock | tcp:HOST:PORT] [--no-frontend] [--print-config]
//                             [--dist DIR]   (build into DIR instead of .dev/dist)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeHealth } from '../backend/launcher/healthcheck.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SOCKET = path.join(repoRoot, '.dev', 'run', 'plugin.sock');
const DEFAULT_DIST = path.join(repoRoot, '.dev', 'dist');
const PRODUCTION_DIST = path.join(repoRoot, 'dist');
const BACKEND_INPUTS = ['backend/src', 'packages/sdk/src', 'packages/sdk/proto', 'backend/launcher', 'src/shared'];
const DEBOUNCE_MS = 150;
const READY_TIMEOUT_MS = 15_000;

function parseArgs(argv) {
  const options = { socket: DEFAULT_SOCKET, tcp: undefined, dist: DEFAULT_DIST, frontend: true, printConfig: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-frontend') options.frontend = false;
    else if (arg === '--print-config') options.printConfig = true;
    else if (arg === '--dist') {
      if (!argv[i + 1]) throw new Error('--dist needs a directory');
      options.dist = path.resolve(argv[++i]);
    }
    else if (arg === '--listen' || arg.startsWith('--listen=')) {
      const value = arg.includes('=') ? arg.slice('--listen='.length) : argv[++i];
      if (value?.startsWith('unix:/')) options.socket = value.slice('unix:'.length);
      else if (/^tcp:(\[[^\]]+\]|[^:]+):\d+$/.test(value ?? '')) options.tcp = value;
      else throw new Error('--listen needs unix:/abs/path/plugin.sock or tcp:HOST:PORT');
    } else throw new Error(`unknown argument ${arg}; usage: dev.mjs [--listen unix:/abs.sock|tcp:HOST:PORT] [--no-frontend] [--dist DIR] [--print-config]`);
  }
  if (options.dist === PRODUCTION_DIST) {
    throw new Error('--dist dist: dist/ holds the production build that npm test and docker compose use; pick another folder');
  }
  return options;
}

function say(message) {
  console.log(`[dev] ${message}`);
}

/** Runs a build script synchronously; returns true on success (its output goes to the terminal). */
function runBuild(script, args) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', script), ...args], { cwd: repoRoot, stdio: 'inherit' });
  return result.status === 0;
}

/** The SDK package (its dist/, which the backend bundle imports), then build-backend + build-launcher into `dist`. */
function buildBackend(dist) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const sdk = spawnSync(npm, ['run', '--silent', 'build:sdk'], { cwd: repoRoot, stdio: 'inherit' });
  return (
    sdk.status === 0 &&
    runBuild('build-backend.mjs', ['--outfile', path.join(dist, 'backend', 'main.js')]) &&
    runBuild('build-launcher.mjs', ['--out-dir', dist])
  );
}

async function waitServing(address, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline && !exited) {
    try {
      if ((await probeHealth(address, 1000)) === 'SERVING') return true;
    } catch {
      // not bound yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function startSidecar(bundle, address) {
  // 0666: Grafana's container user (uid 472) is not the host user who runs this sidecar.
  const mode = address.startsWith('unix:') ? ['--socket-mode', '0666'] : [];
  return spawn(process.execPath, [bundle, '--listen', address, ...mode], { cwd: repoRoot, stdio: 'inherit' });
}

function stopProcess(child, signal) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

class SidecarSupervisor {
  /** `socket` for unix mode; `tcp` (tcp:HOST:PORT) instead when given. */
  constructor(bundle, socket, tcp) {
    this.bundle = bundle;
    this.socket = socket;
    this.tcp = tcp;
    this.address = tcp ?? `unix:${socket}`;
    this.next = path.join(path.dirname(socket), `.next-${process.pid}.sock`);
    this.current = undefined;
  }

  async start() {
    const alreadyServing = await probeHealth(this.address, 1000).catch(() => undefined);
    if (alreadyServing) throw new Error(`a sidecar already answers on ${this.address}; stop it or pass --listen`);
    const child = startSidecar(this.bundle, this.address);
    if (!(await waitServing(this.address, child))) {
      await stopProcess(child, 'SIGKILL');
      throw new Error(`the sidecar did not answer on ${this.address} within ${READY_TIMEOUT_MS} ms`);
    }
    this.current = child;
    this.watchForCrash(child);
  }

  /** Replaces the running sidecar with one running the freshly built code. */
  async swap() {
    if (this.tcp) {
      const old = this.current;
      this.current = undefined;
      await stopProcess(old, 'SIGTERM');
      await this.start();
      return true;
    }
    // unix: start next to the old one, then move the socket name over and kill the old one.
    rmSync(this.next, { force: true });
    const child = startSidecar(this.bundle, `unix:${this.next}`);
    if (!(await waitServing(`unix:${this.next}`, child))) {
      await stopProcess(child, 'SIGKILL');
      rmSync(this.next, { force: true });
      say('the new sidecar did not come up; the previous one keeps serving');
      return false;
    }
    renameSync(this.next, this.socket);
    const old = this.current;
    this.current = child;
    this.watchForCrash(child);
    await stopProcess(old, 'SIGKILL');
    return true;
  }

  watchForCrash(child) {
    child.once('exit', (code, signal) => {
      if (child === this.current) say(`the sidecar exited (code ${code}, signal ${signal}); it restarts on the next backend change`);
    });
  }

  async stop() {
    const current = this.current;
    this.current = undefined;
    await stopProcess(current, 'SIGTERM');
    if (this.tcp) return;
    // A swapped-in sidecar only knows its temporary path, so the final socket is ours to remove.
    rmSync(this.socket, { force: true });
    rmSync(this.next, { force: true });
  }
}

function watchBackend(onChange) {
  let timer;
  const watchers = [];
  for (const dir of BACKEND_INPUTS) {
    const full = path.join(repoRoot, dir);
    if (!existsSync(full)) continue;
    watchers.push(
      watch(full, { recursive: true }, (_event, file) => {
        if (file && /(^|\/)\.|~$|\.test\.ts$/.test(String(file))) return; // editor temp files, tests
        clearTimeout(timer);
        timer = setTimeout(() => onChange(path.join(dir, String(file ?? ''))), DEBOUNCE_MS);
      }),
    );
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}

function startFrontendWatch(dist) {
  // The same `webpack` binary and config as `npm run build:frontend`, in watch + development mode.
  const webpackBin = path.join(repoRoot, 'node_modules', 'webpack', 'bin', 'webpack.js');
  const child = spawn(process.execPath, [webpackBin, '--watch', '-c', 'webpack.config.ts', '--env', 'development', '--output-path', dist], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  say(`webpack --watch started (pid ${child.pid})`);
  child.once('exit', (code, signal) => {
    if (!stopping) say(`webpack --watch exited (code ${code}, signal ${signal}); frontend changes are no longer rebuilt`);
  });
  return child;
}

/** Everything started so far, so that a stop (signal or failed start-up) ends all of it. */
const running = { sidecar: undefined, frontend: undefined, unwatch: undefined };
let stopping = false;

async function stopAll() {
  stopping = true;
  running.unwatch?.();
  await Promise.all([running.sidecar?.stop(), stopProcess(running.frontend, 'SIGTERM')]);
}

function onStopSignal(signal) {
  if (stopping) return;
  say(`${signal}: stopping`);
  stopAll().then(
    () => process.exit(0),
    (err) => {
      console.error(`[dev] stopping failed: ${err.message}`);
      process.exit(1);
    },
  );
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.printConfig) {
    const listen = options.tcp ?? `unix:${options.socket}`;
    const bundle = path.join(options.dist, 'backend', 'main.js');
    console.log(JSON.stringify({ listen, socket: options.socket, socketDir: path.dirname(options.socket), dist: options.dist, bundle }));
    return;
  }
  // From the first moment: a signal during the first build must not leave webpack or a sidecar behind.
  process.on('SIGINT', () => onStopSignal('SIGINT'));
  process.on('SIGTERM', () => onStopSignal('SIGTERM'));
  say(`stop with Ctrl-C or: kill ${process.pid}`);
  // Created in tcp mode too: the compose dev profile mounts this directory.
  mkdirSync(path.dirname(options.socket), { recursive: true });

  say(`building the backend and launchers into ${path.relative(repoRoot, options.dist) || options.dist}`);
  if (!buildBackend(options.dist)) throw new Error('the first backend build failed');
  if (stopping) return;
  if (options.frontend) running.frontend = startFrontendWatch(options.dist);

  const sidecar = new SidecarSupervisor(path.join(options.dist, 'backend', 'main.js'), options.socket, options.tcp);
  await sidecar.start();
  running.sidecar = sidecar;
  if (stopping) return void (await sidecar.stop());
  say(`sidecar serving on ${sidecar.address}`);
  say('Grafana: docker compose --profile dev up grafana-dev  ->  http://localhost:3001 (docs/docker.md)');

  let busy = false;
  let again = false;
  const rebuild = async (changed) => {
    if (stopping) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    const started = performance.now();
    say(`${changed} changed: rebuilding the backend`);
    if (buildBackend(options.dist)) {
      const built = performance.now();
      if (!stopping && (await sidecar.swap())) {
        const done = performance.now();
        say(
          `new backend serving ${Math.round(done - started)} ms after the change was seen ` +
            `(build ${Math.round(built - started)} ms, sidecar start ${Math.round(done - built)} ms)`,
        );
      }
    } else {
      say('backend build failed; the previous sidecar keeps serving');
    }
    busy = false;
    if (again) {
      again = false;
      void rebuild('more files');
    }
  };
  running.unwatch = watchBackend((changed) => void rebuild(changed));
}

main().catch(async (err) => {
  console.error(`[dev] ${err.message}`);
  if (!stopping) {
    say('start-up failed: stopping what was started');
    await stopAll().catch((stopErr) => console.error(`[dev] stopping failed: ${stopErr.message}`));
  }
  process.exit(1);
});
