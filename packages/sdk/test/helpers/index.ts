/**
 * What the SDK's own process-level tests share: the package's testing entry (start a plugin as Grafana
 * does, dial it), bundles of the test fixtures, and temporary directories.
 */
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export * from '@tributary/grafana-backend-sdk/testing';
export { wirePluginContext as pluginContext, wireDataQuery as dataQuery } from '@tributary/grafana-backend-sdk/testing';

const packageRoot = path.resolve(__dirname, '..', '..');
/** Test bundles live outside the package (never published) and outside any plugin's dist/. */
const bundleDir = path.resolve(packageRoot, '..', '..', '.build', 'sdk-test');

/**
 * Bundles a fixture entry (path relative to the package) into one CommonJS file, as a plugin author's
 * build would: the SDK comes from its built package, so the bundle carries the protocol descriptor.
 * One output per test file (`name`), so parallel test files never race.
 */
export function buildTestBundle(name: string, entry = 'test/fixtures/test-plugin-main.ts'): string {
  const outfile = path.join(bundleDir, `${name}.js`);
  mkdirSync(bundleDir, { recursive: true });
  buildSync({
    entryPoints: [path.join(packageRoot, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}

/** Bundles the test plugin (test/fixtures/test-plugin-main.ts). */
export function buildTestPlugin(name: string): string {
  return buildTestBundle(name);
}

const createdTempDirs: string[] = [];

/** A fresh directory under the OS temp dir (short base: unix socket paths are limited to ~107 bytes). */
export function tempDir(prefix = 'sdk-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  createdTempDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir() made in this test file; call from afterAll. */
export function removeTempDirs(): void {
  for (const dir of createdTempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
