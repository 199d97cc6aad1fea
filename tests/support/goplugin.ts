/**
 * Grafana's side of the go-plugin protocol, for this repository's tests: the SDK's testing entry
 * (environment, handshake, hclog lines, gRPC clients from the SDK's own service definitions) plus
 * where tests put their bundles and temporary directories.
 * Shared by backend/test, tests/launcher, tests/compose and the datasource e2e test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export * from '@tributary/grafana-backend-sdk/testing';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Where tests put their own bundles: outside dist/, which Grafana mounts as the plugin. */
export const testBuildDir = path.join(repoRoot, '.build', 'test');

const createdTempDirs: string[] = [];

/** A fresh directory under the OS temp dir (short base: unix socket paths are limited to ~107 bytes). */
export function tempDir(prefix = 'tributary-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  createdTempDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir() made in this test file; call from afterAll. */
export function removeTempDirs(): void {
  for (const dir of createdTempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
