/**
 * `npm run docs`: TypeDoc builds the SDK package's API reference from its doc comments and fails on
 * any validation warning (a public type that references an unexported one, a broken {@link}). Writes
 * to a temp folder so it never races a developer's own `.build/api-docs`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeTempDirs, repoRoot, tempDir } from '../support/goplugin';

jest.setTimeout(180_000);

afterAll(removeTempDirs);

const ENTRY_PAGES = ['', '_frames', '_live', '_testing', '_stdout-guard'].map(
  (suffix) => `_tributary_grafana-backend-sdk${suffix}.html`,
);

test('npm run docs builds the API reference of every public entry with no warnings', () => {
  const out = tempDir('sdk-api-docs-');
  const run = spawnSync('npm', ['run', '--silent', 'docs', '--', '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 150_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  expect({ status: run.status, warnings: output.match(/\[(warning|error)\].*/g) ?? [] }).toEqual({ status: 0, warnings: [] });

  for (const page of ENTRY_PAGES) expect(existsSync(path.join(out, 'modules', page))).toBe(true);
  // The root entry documents serve(), the call every plugin makes.
  expect(readFileSync(path.join(out, 'modules', ENTRY_PAGES[0]), 'utf8')).toContain('serve');
});
