// `npm run bench`: bundles every bench/*.bench.ts with esbuild and runs them one after another.
// Each benchmark prints its own figures next to a baseline measured in the same run.
// Usage: npm run bench [-- <name filter>]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2] ?? '';
const outDir = path.join(root, '.bench');
mkdirSync(outDir, { recursive: true });

const benches = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
if (benches.length === 0) {
  console.error(`bench: no bench/*.bench.ts matches "${filter}"`);
  process.exit(1);
}
if (!existsSync(path.join(root, 'dist', 'backend', 'main.js'))) {
  console.log('bench: dist/ is not built; benchmarks that spawn the backend need `npm run build` first.');
}

// Benches that dial the backend use the SDK's own gRPC definitions (its testing entry): they come from
// the built package, which carries the protocol codecs generated from its .proto files.
if (!existsSync(path.join(root, 'packages', 'sdk', 'dist', 'index.js'))) {
  console.error('bench: the SDK package is not built; run `npm run build` (or `npm run build:sdk`) first.');
  process.exit(1);
}

let failed = 0;
for (const file of benches) {
  const outfile = path.join(outDir, file.replace(/\.ts$/, '.cjs'));
  await build({
    entryPoints: [path.join(root, 'bench', file)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  console.log(`\n### ${file}`);
  const run = spawnSync(process.execPath, ['--expose-gc', outfile], { stdio: 'inherit', cwd: root });
  if (run.status !== 0) {
    failed++;
    console.error(`bench: ${file} exited with ${run.status ?? run.signal}`);
  }
}
process.exit(failed ? 1 : 0);
