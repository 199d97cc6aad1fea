// Bundles the docker compose demo publisher (backend/src/demo/publisher.ts, with MQTT.js) into one
// file plain `node` runs without node_modules. It is not part of the plugin, so it stays out of dist/:
//   node scripts/build-demo.mjs [--outfile .build/demo/publisher.js]
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const i = args.indexOf('--outfile');
const outfile = i >= 0 ? path.resolve(args[i + 1]) : path.join(root, '.build', 'demo', 'publisher.js');

await build({
  entryPoints: [path.join(root, 'backend', 'src', 'demo', 'publisher.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
console.log(`build-demo: ${path.relative(root, outfile)}`);
