/**
 * The GitHub workflow (.github/workflows/ci.yml): actionlint (built from the Go module proxy into
 * .build/tools/, once per version) finds nothing in it and does find a planted mistake; the workflow
 * runs the README's test command on the Node minimum from package.json, and the end-to-end suite on
 * several Grafana versions. Skips with one line when Go is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

import { repoRoot, tempDir, removeTempDirs } from '../support/goplugin';

const ACTIONLINT_VERSION = 'v1.7.12';
const WORKFLOW = path.join(repoRoot, '.github', 'workflows', 'ci.yml');
const TOOLS_DIR = path.join(repoRoot, '.build', 'tools', `actionlint-${ACTIONLINT_VERSION}`);
const ACTIONLINT = path.join(TOOLS_DIR, 'actionlint');

const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasGo) {
  console.warn('ci workflow lint skipped: Go is not installed (actionlint is built with `go install` from the Go module proxy)');
}
const describeWithGo = hasGo ? describe : describe.skip;

jest.setTimeout(300_000);

function actionlint(file: string): { status: number | null; output: string } {
  const result = spawnSync(ACTIONLINT, ['-no-color', file], { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithGo('CI workflow', () => {
  beforeAll(() => {
    if (existsSync(ACTIONLINT)) return;
    mkdirSync(TOOLS_DIR, { recursive: true });
    execFileSync('go', ['install', `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], {
      env: { ...process.env, GOBIN: TOOLS_DIR, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  });

  afterAll(() => removeTempDirs());

  it('passes actionlint', () => {
    expect(actionlint(WORKFLOW)).toEqual({ status: 0, output: '' });
  });

  it('actionlint reports a broken workflow (the check can fail)', () => {
    const broken = readFileSync(WORKFLOW, 'utf8').replace('${{ matrix.node }}', '${{ matrix.nodes }}');
    const file = path.join(tempDir('trci-'), 'ci.yml');
    writeFileSync(file, broken);
    const result = actionlint(file);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/property "nodes" is not defined/);
  });

  const workflow = parse(readFileSync(WORKFLOW, 'utf8'));
  const runs = (job: string): string[] => workflow.jobs[job].steps.map((s: { run?: string }) => s.run ?? '');

  it("runs the README's test command on the Node minimum from package.json", () => {
    const engines: string = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).engines.node;
    const minimum = /^>=(\d+\.\d+\.\d+)$/.exec(engines)?.[1];
    expect(workflow.jobs.test.strategy.matrix.node).toContain(minimum);
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm test');
    expect(runs('test').join('\n')).toMatch(/npm ci\b[\s\S]*\bnpm test\b/);
  });

  it('runs the end-to-end suite against more than one Grafana version', () => {
    const versions: string[] = workflow.jobs.e2e.strategy.matrix.grafana;
    expect(new Set(versions).size).toBeGreaterThanOrEqual(2);
    expect(runs('e2e')).toContain('npm run test:e2e');
    // The compose default is one of them.
    const compose = readFileSync(path.join(repoRoot, 'docker-compose.yaml'), 'utf8');
    const defaultVersion = /GRAFANA_VERSION:-([\d.]+)/.exec(compose)?.[1];
    expect(versions).toContain(defaultVersion);
  });
});
