// The esbuild options that turn a plugin's backend entry into one file plain `node` runs with no
// node_modules next to it: shared by `grafana-node-plugin build` and any build script of a plugin's
// own (import '@tributary/grafana-backend-sdk/bundle-options').

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Bundles the OpenTelemetry packages from their ES module builds, which let esbuild drop what tracing
 * never imports (~780 KB of CommonJS becomes ~240 KB). Only these: preferring ES module builds for
 * every package (`mainFields`) made other libraries' code measurably slower under load.
 */
const openTelemetryAsModules = {
  name: 'opentelemetry-es-modules',
  setup(build) {
    build.onResolve({ filter: /^@opentelemetry\/[^/]+$/ }, (args) => {
      let manifest;
      try {
        manifest = createRequire(path.join(args.resolveDir, 'index.js')).resolve(`${args.path}/package.json`);
      } catch {
        return undefined; // esbuild resolves it (and reports it if it cannot)
      }
      const { module } = JSON.parse(readFileSync(manifest, 'utf8'));
      return module ? { path: path.join(path.dirname(manifest), module) } : undefined;
    });
  },
};

/** esbuild options for `entry` → `outfile` (CommonJS for Node 20+, whitespace/syntax minified). */
export function pluginBundleOptions({ entry, outfile, logLevel = 'warning' }) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Whitespace/syntax only: smaller and faster to parse, stack traces keep their names.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [openTelemetryAsModules],
    logLevel,
  };
}
