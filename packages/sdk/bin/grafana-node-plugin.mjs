#!/usr/bin/env node
// grafana-node-plugin: the two build steps a plugin needs besides its own code.
//   build     bundles the backend entry into one file plain `node` runs without node_modules (esbuild)
//   launcher  writes the POSIX launcher Grafana starts, once per os/arch Grafana may look for
// Run with --help for the options. Bad arguments print one clear line and exit with status 2.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pluginBundleOptions } from './bundle-options.mjs';

const LAUNCHER_TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'launcher', 'launcher.sh');
// Grafana appends _<GOOS>_<GOARCH> to plugin.json's `executable`; these are the hosts Node runs on.
const TARGETS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];

const USAGE = `usage:
  grafana-node-plugin build --entry src/main.ts [--out dist/backend/main.js]
      Bundles the backend (CommonJS, node20, one file; needs the esbuild package installed).
  grafana-node-plugin launcher --executable NAME --env-prefix PREFIX [--out-dir dist] [--bundle backend/main.js]
      Writes DIR/NAME_{linux,darwin}_{amd64,arm64}: POSIX sh launchers that run node on DIR/BUNDLE
      (managed mode) or point Grafana at a running sidecar (GF_PLUGIN_SIDECAR_ADDRESS or PREFIX_SIDECAR_ADDRESS).
      NAME is plugin.json's "executable"; PREFIX names the launcher's own variables (PREFIX_NODE, ...).`;

class UsageError extends Error {}

function options(args, spec) {
  try {
    return parseArgs({ args, options: { ...spec, help: { type: 'boolean' } }, strict: true }).values;
  } catch (err) {
    throw new UsageError(err.message);
  }
}

function required(values, name) {
  if (typeof values[name] !== 'string' || values[name] === '') throw new UsageError(`--${name} is required`);
  return values[name];
}

async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch {
    throw new UsageError('the build command needs esbuild: npm install --save-dev esbuild');
  }
}

async function build(args) {
  const values = options(args, { entry: { type: 'string' }, out: { type: 'string' } });
  if (values.help) return console.log(USAGE);
  const entry = path.resolve(required(values, 'entry'));
  const outfile = path.resolve(values.out ?? path.join('dist', 'backend', 'main.js'));
  const { build: esbuild } = await loadEsbuild();
  const result = await esbuild(pluginBundleOptions({ entry, outfile })).catch(() => null); // esbuild has already printed its errors
  if (!result) process.exit(1);
  console.log(`grafana-node-plugin: bundled ${path.relative(process.cwd(), entry)} -> ${path.relative(process.cwd(), outfile)}`);
}

function launcher(args) {
  const values = options(args, { executable: { type: 'string' }, 'env-prefix': { type: 'string' }, 'out-dir': { type: 'string' }, bundle: { type: 'string' } });
  if (values.help) return console.log(USAGE);
  const executable = required(values, 'executable');
  const envPrefix = required(values, 'env-prefix');
  const bundle = values.bundle ?? 'backend/main.js';
  const outDir = path.resolve(values['out-dir'] ?? 'dist');
  // Each value is pasted into shell code: allow only characters that need no quoting there.
  if (!/^[A-Za-z0-9_]+$/.test(executable)) throw new UsageError(`--executable must be a plain file name (A-Z a-z 0-9 _), got ${JSON.stringify(executable)}`);
  if (!/^[A-Z][A-Z0-9_]*$/.test(envPrefix)) throw new UsageError(`--env-prefix must be an upper-case variable prefix (A-Z 0-9 _), got ${JSON.stringify(envPrefix)}`);
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(bundle) || bundle.split('/').includes('..')) {
    throw new UsageError(`--bundle must be a relative path inside the out dir (A-Z a-z 0-9 _ . - /), got ${JSON.stringify(bundle)}`);
  }
  const script = readFileSync(LAUNCHER_TEMPLATE, 'utf8')
    .replaceAll('@EXECUTABLE@', executable)
    .replaceAll('@ENV_PREFIX@', envPrefix)
    .replaceAll('@BUNDLE@', bundle);
  mkdirSync(outDir, { recursive: true });
  const written = TARGETS.map((target) => {
    const file = path.join(outDir, `${executable}_${target}`);
    writeFileSync(file, script);
    chmodSync(file, 0o755); // explicit: the umask may drop the run bits
    return path.relative(process.cwd(), file);
  });
  console.log(`grafana-node-plugin: wrote ${written.join(', ')}`);
}

const COMMANDS = { build, launcher };

async function main(argv) {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === 'help') return console.log(USAGE);
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  await run(args);
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof UsageError) {
    console.error(`grafana-node-plugin: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`grafana-node-plugin: ${err.stack ?? err}`);
  process.exit(1);
});
