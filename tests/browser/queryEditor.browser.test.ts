/**
 * The query editor in a real browser: the harness page (React + Grafana UI theme + our QueryEditor,
 * built by esbuild in test mode) runs in headless Chromium driven by playwright-core. We click the
 * "With Streaming" switch as a user would and check the query the editor emitted and the DOM.
 * Skips, saying why, when no Chromium is installed (`.ci/run` installs Debian's `chromium`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { buildHarness } from './harness/build';
import { isGrafanaFont, serveHarness, type HarnessServer } from './harness/serve';

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => Boolean(p)
);
const executablePath = CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));

if (!executablePath) {
  console.warn(
    `browser test skipped: no Chromium found (looked at ${CHROMIUM_CANDIDATES.join(', ')}). ` +
      'Install it with `apt-get install -y chromium` or set CHROMIUM_PATH.'
  );
}

const describeInBrowser = executablePath ? describe : describe.skip;

interface HarnessState {
  changes: Array<Record<string, unknown>>;
  runs: number;
}

describeInBrowser('QueryEditor in headless Chromium', () => {
  let browser: Browser;
  let server: HarnessServer;
  let outDir: string;

  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-harness-'));
    await buildHarness(outDir);
    server = await serveHarness(outDir);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  async function open(theme: 'light' | 'dark'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    page.on('console', (msg) => {
      const source = msg.location().url ? new URL(msg.location().url).pathname : '';
      if (msg.type() === 'error' && !isGrafanaFont(source)) {
        errors.push(msg.text());
      }
    });
    await page.goto(`${server.url}index.html?theme=${theme}`);
    await page.getByTestId('tributary-query-editor').waitFor();
    return { page, errors };
  }

  const harness = (page: Page) => page.evaluate(() => (window as unknown as { __harness: HarnessState }).__harness);

  for (const theme of ['light', 'dark'] as const) {
    it(`flips "With Streaming" and re-runs the query (${theme} theme)`, async () => {
      const { page, errors } = await open(theme);
      const toggle = page.getByRole('switch', { name: 'With Streaming' }).or(page.getByRole('checkbox', { name: 'With Streaming' }));
      await expectChecked(toggle, false);

      // Click where a user clicks: the visible switch next to the label.
      await page.locator(`label[for="${await toggle.getAttribute('id')}"]`).last().click();

      await expectChecked(toggle, true);
      const state = await harness(page);
      expect(state.changes).toHaveLength(1);
      expect(state.changes[0]).toMatchObject({ refId: 'A', withStreaming: true, signal: 'sine' });
      expect(state.runs).toBe(1);
      // The host re-rendered with the emitted query: the DOM shows what would be sent.
      const sent = JSON.parse((await page.getByTestId('sent-query').textContent()) ?? '{}');
      expect(sent.withStreaming).toBe(true);
      expect(server.missing).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  }

  it('renders with the theme: dark and light backgrounds differ', async () => {
    const colours: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      const { page } = await open(theme);
      colours.push(await page.locator('main').evaluate((el) => getComputedStyle(el).backgroundColor));
      await page.close();
    }
    expect(colours[0]).not.toEqual(colours[1]);
  }, 60_000);

  it('shows an inline error and sends nothing for an out-of-range interval', async () => {
    const { page } = await open('dark');
    const interval = page.getByLabel('Interval (ms)');
    await interval.fill('5');
    await interval.press('Enter');
    await page.getByText('Interval (ms) must be between 10 and 3600000', { exact: true }).waitFor();
    expect(await interval.getAttribute('aria-invalid')).toBe('true');
    const state = await harness(page);
    expect(state.changes).toEqual([]);
    expect(state.runs).toBe(0);
    await page.close();
  }, 60_000);
});

async function expectChecked(toggle: ReturnType<Page['getByRole']>, checked: boolean) {
  await toggle.waitFor({ state: 'attached' });
  expect(await toggle.isChecked()).toBe(checked);
}
