// Bundles the Node backend into one file that plain `node` runs without node_modules:
//   node scripts/build-backend.mjs                        backend/src/main.ts → dist/backend/main.js
//   node scripts/build-backend.mjs --entry E --outfile O  any other entry (tests bundle theirs into .build/test/)
// The SDK comes from its built package (packages/sdk, `npm run build:sdk` first), which carries the
// protocol codecs generated from its .proto files, so nothing else has to ship next to the bundle.
import { pluginBundleOptions } from '@tributary/grafana-backend-sdk/bundle-options';
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `entry` into `outfile` (CommonJS, node20). Returns esbuild's result. */
export async function buildBackend({
  entry = path.join(root, 'backend', 'src', 'main.ts'),
  outfile = path.join(root, 'dist', 'backend', 'main.js'),
  logLevel = 'warning',
} = {}) {
  return build(pluginBundleOptions({ entry, outfile, logLevel }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? path.resolve(args[i + 1]) : undefined;
  };
  const entry = opt('--entry');
  const outfile = opt('--outfile');
  await buildBackend({ ...(entry && { entry }), ...(outfile && { outfile }) });
  console.log(`build-backend: ${path.relative(root, outfile ?? path.join(root, 'dist', 'backend', 'main.js'))}`);
}
