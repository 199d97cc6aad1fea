// The esbuild options that turn a plugin's backend entry into one file plain `node` runs with no
// node_modules next to it: shared by `grafana-node-plugin build` and any build script of a plugin's
// own (import '@tributary/grafana-backend-sdk/bundle-options').

/** esbuild options for `entry` → `outfile` (CommonJS for Node 20+, whitespace/syntax minified). */
export function pluginBundleOptions({ entry, outfile, logLevel = 'warning' }) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // ES module builds first where a package has one: only they let esbuild drop what is never
    // imported (the OpenTelemetry SDK that tracing loads on demand shrinks from ~780 KB to ~240 KB).
    mainFields: ['module', 'main'],
    // Whitespace/syntax only: smaller and faster to parse, stack traces keep their names.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel,
  };
}
