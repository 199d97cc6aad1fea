/**
 * The checked-in Go SDK golden fixtures (testdata/sdk-golden) are exactly what our Go program
 * testdata/go-sdk-check/write-golden writes with grafana-plugin-sdk-go: it is run again into a
 * temporary folder and every file must be byte-identical. Needs Go on PATH; skips without it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const testdata = path.join(__dirname, 'testdata');
const checkedIn = path.join(testdata, 'sdk-golden');
const haveGo = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
if (!haveGo) console.warn('SKIPPED golden fixture regeneration check: no `go` on PATH');

(haveGo ? describe : describe.skip)('Go SDK golden fixtures are what write-golden writes', () => {
  let outDir = '';
  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-golden-'));
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('go run ./write-golden reproduces every checked-in fixture byte for byte', () => {
    // A cold module cache downloads the SDK from the module proxy and compiles it: allow minutes.
    const run = spawnSync('go', ['run', './write-golden', '-out', outDir], {
      cwd: path.join(testdata, 'go-sdk-check'),
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const written = fs.readdirSync(outDir).sort();
    expect(written).toEqual(fs.readdirSync(checkedIn).sort());
    expect(written.length).toBe(16);
    for (const name of written) {
      const same = fs.readFileSync(path.join(outDir, name)).equals(fs.readFileSync(path.join(checkedIn, name)));
      if (!same) throw new Error(`${name} differs from what write-golden writes now: regenerate (testdata/README.md)`);
    }
  }, 300_000);
});
