/**
 * The built frontend is what Grafana's plugin loader expects: dist/module.js is one AMD module whose
 * dependencies are only modules Grafana shares with plugins (so no second React / Grafana UI is
 * bundled), and whose factory, given those modules, exports a datasource `plugin`. Checks the production
 * build (`npm run build`); a development build inlines eval source maps and is far larger.
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const repoRoot = path.resolve(__dirname, '..', '..');
const dist = path.join(repoRoot, 'dist');
const modulePath = path.join(dist, 'module.js');

/** Modules Grafana's SystemJS loader provides to plugins (public/app/features/plugins/loader/sharedDependencies.ts). */
const GRAFANA_SHARED = new Set([
  '@emotion/css', '@emotion/react', '@grafana/data', '@grafana/runtime', '@grafana/slate-react', '@grafana/ui',
  'd3', 'emotion', 'i18next', 'jquery', 'lodash', 'moment', 'prismjs', 'react', 'react-dom', 'react-redux',
  'react-router', 'react-router-dom', 'redux', 'rxjs', 'slate', 'slate-plain-serializer', 'slate-react',
]);

function readBuilt(file: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(repoRoot, file)} is missing: run \`npm run build\` (or \`npm run build:frontend\`) first`);
  }
  return fs.readFileSync(file, 'utf8');
}

/** Runs the bundle with an AMD `define` that records its dependency list and factory. */
function loadAmd(source: string): { deps: string[]; factory: (...mods: unknown[]) => Record<string, unknown> } {
  const calls: Array<[string[], (...mods: unknown[]) => Record<string, unknown>]> = [];
  const define = (deps: string[], factory: (...mods: unknown[]) => Record<string, unknown>) => calls.push([deps, factory]);
  (define as unknown as { amd: object }).amd = {};
  vm.runInNewContext(source, { define, console });
  expect(calls).toHaveLength(1);
  return { deps: calls[0][0], factory: calls[0][1] };
}

describe('dist/module.js', () => {
  const source = readBuilt(modulePath);

  it('is a single AMD define whose dependencies Grafana provides', () => {
    // Development builds start with a banner comment; the code itself is the define call.
    expect(source.replace(/^\s*\/\*[\s\S]*?\*\/\s*/, '').startsWith('define(')).toBe(true);
    const { deps } = loadAmd(source);
    expect(deps).toEqual(expect.arrayContaining(['react', '@grafana/data', '@grafana/ui', '@grafana/runtime']));
    for (const dep of deps) {
      expect(GRAFANA_SHARED.has(dep)).toBe(true);
    }
  });

  it('bundles no copy of React, React DOM, Grafana UI or emotion', () => {
    // Markers that exist only inside those libraries' own code.
    for (const marker of ['react.transitional.element', 'react.element', '__CLIENT_INTERNALS_DO_NOT_USE', 'ReactCurrentOwner', 'createRoot', 'data-emotion', 'getTheme2']) {
      expect(source).not.toContain(marker);
    }
    expect(Buffer.byteLength(source)).toBeLessThan(100 * 1024);
  });

  it('exports a datasource plugin built from the host-provided modules', () => {
    const { deps, factory } = loadAmd(source);
    class HostDataSourceWithBackend {
      constructor(public instanceSettings: unknown) {}
    }
    class HostDataSourcePlugin {
      components: Record<string, unknown> = {};
      constructor(public DataSourceClass: unknown) {}
      setConfigEditor(editor: unknown) {
        this.components.ConfigEditor = editor;
        return this;
      }
      setQueryEditor(editor: unknown) {
        this.components.QueryEditor = editor;
        return this;
      }
    }
    class HostCustomVariableSupport {}
    const created: unknown[] = [];
    const hostReact = { createElement: (...args: unknown[]) => created.push(args), Fragment: Symbol('Fragment'), useState: () => [undefined, () => undefined], useEffect: () => undefined, useMemo: (f: () => unknown) => f() };
    const modules: Record<string, unknown> = {
      react: { __esModule: true, default: hostReact, ...hostReact },
      '@grafana/data': { DataSourcePlugin: HostDataSourcePlugin, CustomVariableSupport: HostCustomVariableSupport, StreamingFrameAction: { Append: 'append' } },
      '@grafana/runtime': { DataSourceWithBackend: HostDataSourceWithBackend, getTemplateSrv: () => undefined },
      '@grafana/ui': {},
    };
    const exports = factory(...deps.map((d) => modules[d]));
    const plugin = exports.plugin as HostDataSourcePlugin;
    expect(plugin).toBeInstanceOf(HostDataSourcePlugin);
    expect(Object.keys(plugin.components).sort()).toEqual(['ConfigEditor', 'QueryEditor']);
    const DataSourceClass = plugin.DataSourceClass as new (s: unknown) => HostDataSourceWithBackend;
    expect(new DataSourceClass({ uid: 'x', jsonData: {} })).toBeInstanceOf(HostDataSourceWithBackend);
    // A message source offers topic variables through the host's CustomVariableSupport.
    const mqtt = new DataSourceClass({ uid: 'm', jsonData: { sourceKind: 'mqtt' } }) as unknown as { variables: unknown };
    expect(mqtt.variables).toBeInstanceOf(HostCustomVariableSupport);
  });
});

describe('dist/plugin.json', () => {
  it('carries the package version, a build date and the plugin identity', () => {
    const pluginJson = JSON.parse(readBuilt(path.join(dist, 'plugin.json')));
    const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pluginJson).toMatchObject({
      id: 'tributary-streaming-datasource',
      type: 'datasource',
      name: 'Tributary',
      backend: true,
      executable: 'gpx_tributary',
      streaming: true,
      alerting: true,
      metrics: true,
    });
    expect(pluginJson.info.version).toBe(packageJson.version);
    expect(pluginJson.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(pluginJson.dependencies.grafanaDependency).toBe('>=12.0.0');
    for (const logo of Object.values(pluginJson.info.logos) as string[]) {
      expect(fs.existsSync(path.join(dist, logo))).toBe(true);
    }
  });
});
