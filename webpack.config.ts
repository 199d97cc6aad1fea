/**
 * Builds the frontend Grafana loads: dist/module.js as an AMD module (Grafana's plugin loader is
 * SystemJS with AMD support), plus plugin.json, img/, the plugin README (src/README.md, shown on
 * Grafana's plugin page) and LICENSE.
 *
 * Facts from create-plugin's webpack config (plugin-tools, packages/create-plugin/templates/common/
 * .config): AMD library output, publicPath `public/plugins/<id>/`, the list of modules Grafana shares
 * with plugins at runtime (kept external so no second React or Grafana UI is bundled), and a clean
 * step that keeps backend binaries. Our backend lives in dist/backend/ and the launchers are
 * dist/gpx_tributary_<os>_<arch>; both are built by other steps and must survive this one.
 */
import fs from 'node:fs';
import path from 'node:path';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration, ExternalItemFunctionData } from 'webpack';

const ROOT = __dirname;
const SOURCE_DIR = path.join(ROOT, 'src');
const DIST_DIR = path.join(ROOT, 'dist');

const pluginJson = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'plugin.json'), 'utf8')) as { id: string };
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

/**
 * Modules Grafana provides to plugins (its SystemJS shared-dependency map). `@grafana/i18n` and
 * `@grafana/schema` are deliberately absent: Grafana does not share them, create-plugin bundles
 * them, and marking them external would make the loader fail. We only import types from
 * `@grafana/schema` and nothing from `@grafana/i18n`, so neither ends up in the bundle.
 */
export const GRAFANA_EXTERNALS: Array<string | RegExp> = [
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'react-router-dom',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
];

/** Legacy `grafana/...` imports resolve to Grafana's own module of the same name. */
function legacyGrafanaPrefix({ request }: ExternalItemFunctionData, callback: (err?: Error, result?: string) => void) {
  const prefix = 'grafana/';
  if (request && request.startsWith(prefix)) {
    return callback(undefined, request.slice(prefix.length));
  }
  callback();
}

/**
 * Files in dist/ that other build steps own: the Node backend bundle and the launchers (and Go-style
 * binaries, as create-plugin keeps them). Test bundles live in .build/test/, outside the plugin.
 */
export const KEEP_IN_DIST = /^(backend(\/|$)|gpx_tributary_|.*?_(amd64|arm(64)?)(\.exe)?$|go_plugin_build_manifest$)/;

type Env = Record<string, string | boolean | undefined>;

function substituteTemplateTokens(content: Buffer): Buffer {
  return Buffer.from(
    content
      .toString('utf8')
      .replace(/%VERSION%/g, packageJson.version)
      .replace(/%TODAY%/g, new Date().toISOString().slice(0, 10))
      .replace(/%PLUGIN_ID%/g, pluginJson.id)
  );
}

const config = (env: Env = {}): Configuration => {
  const production = Boolean(env.production);
  return {
    context: SOURCE_DIR,
    mode: production ? 'production' : 'development',
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: { module: './module.ts' },
    externals: [...GRAFANA_EXTERNALS, legacyGrafanaPrefix],
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true },
                // Classic runtime: only `react` is needed from Grafana, which every supported version shares.
                transform: { react: { runtime: 'classic', pragma: 'React.createElement', pragmaFrag: 'React.Fragment' } },
              },
            },
          },
        },
        {
          test: /\.(png|jpe?g|gif|svg)$/,
          type: 'asset/resource',
          generator: { filename: production ? '[hash][ext]' : '[file]' },
        },
      ],
    },
    output: {
      clean: { keep: KEEP_IN_DIST },
      filename: '[name].js',
      library: { type: 'amd' },
      path: DIST_DIR,
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: 'plugin.json', to: '.', transform: substituteTemplateTokens },
          { from: 'img/**/*', to: '.' },
          // The plugin's own README (shown on Grafana's plugin page), not the repository's developer README.
          { from: 'README.md', to: '.', transform: substituteTemplateTokens },
          { from: path.join(ROOT, 'LICENSE'), to: '.', noErrorOnMissing: true },
          { from: path.join(ROOT, 'CHANGELOG.md'), to: '.', noErrorOnMissing: true },
        ],
      }),
    ],
    resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx'] },
    performance: { hints: false },
  };
};

export default config;
