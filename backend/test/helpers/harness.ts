/**
 * Drives bundled backends the way Grafana does, for Tributary's process-level tests: the SDK's testing
 * entry (spawn, handshake, wire requests) plus bundles made with the real build script.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, testBuildDir } from '../../../tests/support/goplugin';

export {
  PluginProcess,
  spawnPlugin,
  startManaged,
  grafanaEnv,
  wirePluginContext as pluginContext,
  wireDataQuery as dataQuery,
} from '@tributary/grafana-backend-sdk/testing';

/**
 * Bundles `entry` with the real build script into .build/test/<name>.js (one file per test file, so
 * parallel test files never race). Not dist/: that folder is what Grafana mounts as the plugin.
 * The default entry is the SDK's test plugin (a plugin with a handler for every bad-input case).
 */
export function buildTestBundle(name: string, entry = 'packages/sdk/test/fixtures/test-plugin-main.ts'): string {
  const outfile = path.join(testBuildDir, `${name}.js`);
  const result = spawnSync(process.execPath, ['scripts/build-backend.mjs', '--entry', entry, '--outfile', outfile], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building ${entry} failed:\n${result.stderr}${result.stdout}`);
  return outfile;
}

/** Bundles the SDK's test plugin (packages/sdk/test/fixtures/test-plugin-main.ts). */
export function buildTestPlugin(name: string): string {
  return buildTestBundle(name);
}
