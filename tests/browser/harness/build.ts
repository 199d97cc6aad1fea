/**
 * Builds the browser harness in test mode with esbuild: one script with React, Grafana UI and the
 * query editor bundled in (the plugin build keeps those external; here there is no Grafana host).
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export async function buildHarness(outDir: string): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(__dirname, 'main.tsx')],
    bundle: true,
    outfile: path.join(outDir, 'harness.js'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"development"', global: 'globalThis' },
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.eot': 'dataurl' },
  });
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Tributary query editor harness</title><link rel="icon" href="data:,">',
    fs.existsSync(path.join(outDir, 'harness.css')) ? '<link rel="stylesheet" href="harness.css">' : '',
    '</head><body><div id="root"></div><script src="harness.js"></script></body></html>',
  ].join('\n');
  const indexPath = path.join(outDir, 'index.html');
  fs.writeFileSync(indexPath, html);
  return indexPath;
}
