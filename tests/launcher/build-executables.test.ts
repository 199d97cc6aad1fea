/**
 * scripts/build-executables.mjs's switches and errors (the executables themselves are checked in
 * executable.test.ts, executable-arm64.test.ts and tests/package).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LAUNCHER_SOURCE } from './harness';
import { removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

const SCRIPT = path.join(repoRoot, 'scripts', 'build-executables.mjs');

function buildExecutables(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

afterAll(() => removeTempDirs());

describe('build-executables', () => {
  it('TRIBUTARY_PLUGIN_EXECUTABLES=launcher keeps the POSIX launcher as the linux files (for Alpine Grafana)', () => {
    const outDir = tempDir('trbe-');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-launcher.mjs'), '--out-dir', outDir]);
    const run = buildExecutables(['--out-dir', outDir], { TRIBUTARY_PLUGIN_EXECUTABLES: 'launcher' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('stay the POSIX launcher');
    for (const target of ['linux_amd64', 'linux_arm64']) {
      expect(readFileSync(path.join(outDir, `gpx_tributary_${target}`))).toEqual(readFileSync(LAUNCHER_SOURCE));
    }
  });

  it.each([
    [['--targets', 'windows_amd64'], {}, 'unknown target windows_amd64'],
    [['--out-dir'], {}, '--out-dir needs a value'],
    [[], { TRIBUTARY_PLUGIN_EXECUTABLES: 'static' }, 'TRIBUTARY_PLUGIN_EXECUTABLES=static: expected self-contained (default) or launcher'],
  ])('refuses %j %j with one clear error', (args, env, message) => {
    const run = buildExecutables(args as string[], env as Record<string, string>);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`build-executables: ${message}${message.startsWith('unknown target') ? '; known: linux_amd64, linux_arm64' : ''}`);
  });
});
