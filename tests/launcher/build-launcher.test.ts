/**
 * scripts/build-launcher.mjs installs one launcher for every os/arch Grafana may ask for, executable,
 * under the name plugin.json announces; and the frontend build's clean step keeps those files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LAUNCHER_SOURCE } from './harness';
import { removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

const TARGETS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];

describe('build-launcher', () => {
  let outDir: string;
  let executable: string;

  beforeAll(() => {
    outDir = tempDir('trb-');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-launcher.mjs'), '--out-dir', outDir]);
    executable = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8')).executable;
  });

  afterAll(() => removeTempDirs());

  it.each(TARGETS)('writes an executable <executable>_%s identical to the launcher source', (target) => {
    const file = path.join(outDir, `${executable}_${target}`);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    expect(readFileSync(file)).toEqual(readFileSync(LAUNCHER_SOURCE));
  });

  it('names the files after plugin.json "executable" (what Grafana appends _<os>_<arch> to)', () => {
    expect(executable).toBe('gpx_tributary');
  });

  it('ships the sidecar health probe next to the backend bundle', () => {
    const probe = path.join(outDir, 'backend', 'healthcheck.mjs');
    expect(statSync(probe).mode & 0o111).not.toBe(0);
  });

  it('refuses a missing --out-dir value with a clear error', () => {
    expect(() =>
      execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-launcher.mjs'), '--out-dir'], {
        stdio: 'pipe',
      }),
    ).toThrow(/--out-dir needs a directory/);
  });
});

describe('the frontend build keeps the backend files (webpack output.clean)', () => {
  const configFile = path.join(repoRoot, 'webpack.config.ts');

  async function cleanKeep(): Promise<(asset: string) => boolean> {
    if (!existsSync(configFile)) throw new Error('webpack.config.ts is missing (the frontend engineer provides it)');
    const mod = await import(configFile);
    const exported = mod.default ?? mod;
    const config = typeof exported === 'function' ? await exported({ production: true }, {}) : await exported;
    const clean = config.output?.clean;
    if (clean === undefined || clean === false) return () => true; // nothing is cleaned
    const keep = clean === true ? undefined : clean.keep;
    if (keep === undefined) return () => false;
    if (keep instanceof RegExp) return (asset) => keep.test(asset);
    if (typeof keep === 'function') return (asset) => Boolean(keep(asset));
    return (asset) => asset.startsWith(String(keep));
  }

  it.each([...TARGETS.map((t) => `gpx_tributary_${t}`), 'backend/main.js', 'backend/healthcheck.mjs'])(
    'keeps %s',
    async (asset) => {
      const keeps = await cleanKeep();
      expect(keeps(asset)).toBe(true);
    },
  );
});
