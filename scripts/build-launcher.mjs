#!/usr/bin/env node
// Installs the POSIX launcher as the plugin "executable" for every os/arch Grafana may look for:
// dist/<executable>_{linux,darwin}_{amd64,arm64} (Grafana appends _<GOOS>_<GOARCH> to plugin.json's
// `executable`). The names end in _amd64/_arm64 so webpack's `output.clean.keep` of the plugin
// scaffold keeps them. Also copies the sidecar health probe next to the backend bundle.
//
// Usage: node scripts/build-launcher.mjs [--out-dir DIR]   (default: dist)
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAUNCHER_SOURCE = path.join(repoRoot, 'backend', 'launcher', 'gpx_tributary.sh');
const HEALTHCHECK_SOURCE = path.join(repoRoot, 'backend', 'launcher', 'healthcheck.mjs');
const TARGETS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];

function outDirFromArgs(argv) {
  const index = argv.indexOf('--out-dir');
  if (index === -1) return path.join(repoRoot, 'dist');
  const value = argv[index + 1];
  if (!value) throw new Error('--out-dir needs a directory');
  return path.resolve(value);
}

/** The launcher name comes from plugin.json so the two can never disagree. */
function executableName() {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8'));
  if (typeof manifest.executable !== 'string' || !/^[A-Za-z0-9_]+$/.test(manifest.executable)) {
    throw new Error(`src/plugin.json "executable" must be a plain file name, got ${JSON.stringify(manifest.executable)}`);
  }
  return manifest.executable;
}

function installExecutable(source, target) {
  copyFileSync(source, target);
  // Explicit chmod: copyFileSync keeps the source mode, which git checkouts and zips do not always keep.
  chmodSync(target, 0o755);
}

function main() {
  const outDir = outDirFromArgs(process.argv.slice(2));
  const name = executableName();
  mkdirSync(path.join(outDir, 'backend'), { recursive: true });
  const written = TARGETS.map((target) => {
    const file = path.join(outDir, `${name}_${target}`);
    installExecutable(LAUNCHER_SOURCE, file);
    return path.relative(repoRoot, file);
  });
  const probe = path.join(outDir, 'backend', 'healthcheck.mjs');
  installExecutable(HEALTHCHECK_SOURCE, probe);
  written.push(path.relative(repoRoot, probe));
  console.log(`build-launcher: wrote ${written.join(', ')}`);
}

try {
  main();
} catch (err) {
  console.error(`build-launcher: ${err.message}`);
  process.exit(1);
}
