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
import { CHROMIUM_ARGS, CHROMIUM_CANDIDATES, findChromium } from './harness/chromium';
import { isGrafanaFont, serveHarness, type HarnessServer } from './harness/serve';

const executablePath = findChromium();

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
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  async function open(theme: 'light' | 'dark', view = 'query', kind = 'signals'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    page.on('console', (msg) => {
      const source = msg.location().url ? new URL(msg.location().url).pathname : '';
      if (msg.type() === 'error' && !isGrafanaFont(source)) {
        errors.push(msg.text());
      }
    });
    await page.goto(`${server.url}index.html?theme=${theme}&view=${view}&kind=${kind}`);
    await page.getByTestId(view === 'config' ? 'tributary-config-editor' : 'tributary-query-editor').waitFor();
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

  const left = async (page: Page, label: string) => (await page.getByText(label, { exact: true }).first().boundingBox())!.x;

  it('lines the columns up across rows', async () => {
    const { page } = await open('dark');
    // Middle column: Series, Offset, With Streaming; right column: Interval, Period.
    const middle = await Promise.all(['Series', 'Offset', 'With Streaming'].map((l) => left(page, l)));
    const right = await Promise.all(['Interval (ms)', 'Period (ms)'].map((l) => left(page, l)));
    expect(new Set(middle).size).toBe(1);
    expect(new Set(right).size).toBe(1);
    await page.close();
  }, 60_000);

  // The message overflows to the right under the row; the row below moves down one line.
  it('keeps every field of the row where it was while an error shows', async () => {
    const { page } = await open('light');
    const inputs = page.locator('[data-testid="tributary-query-editor"] input');
    const boxes = async () => Promise.all((await inputs.all()).map(async (input) => [await input.getAttribute('id'), (await input.boundingBox())!.x]));
    const before = await boxes();
    const series = page.getByLabel('Series');
    await series.fill('0');
    await series.press('Enter');
    await page.getByText('Series must be between 1 and 20', { exact: true }).waitFor();
    expect(await boxes()).toEqual(before);
    await page.close();
  }, 60_000);

  it('shows every signal in the menu without scrolling', async () => {
    const { page } = await open('dark');
    await page.getByLabel('Signal').click();
    const menu = page.getByRole('listbox');
    await menu.waitFor();
    for (const label of ['Random walk', 'Sine', 'Square', 'Sawtooth', 'Counter']) {
      await expect(menu.getByText(label, { exact: true }).isVisible()).resolves.toBe(true);
    }
    const scroller = await menu.evaluate((el) => {
      // The scrolling element is the listbox or the nearest ancestor that clips.
      for (let node: Element | null = el; node; node = node.parentElement) {
        if (node.scrollHeight > node.clientHeight + 1 && getComputedStyle(node).overflowY !== 'visible') return node.scrollHeight - node.clientHeight;
      }
      return 0;
    });
    expect(scroller).toBe(0);
    await page.close();
  }, 60_000);

  it('config editor: descriptions are secondary text under the label, said once', async () => {
    const { page, errors } = await open('dark', 'config');
    const description = page.getByText('Most series a single query may request. Default 20; allowed 1 to 100.', { exact: true });
    expect(await description.count()).toBe(1);
    const [descriptionColour, labelColour] = await Promise.all([
      description.evaluate((el) => getComputedStyle(el).color),
      page.getByText('Max series', { exact: true }).evaluate((el) => getComputedStyle(el).color),
    ]);
    expect(descriptionColour).not.toBe(labelColour);
    const input = page.getByRole('textbox', { name: /^Max series/ });
    await input.fill('0');
    await input.press('Enter');
    await page.getByText('Max series must be between 1 and 100', { exact: true }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('MQTT query editor: a topic and payload-time mapping typed as a user would reach the query', async () => {
    const { page, errors } = await open('dark', 'query', 'mqtt');
    await expect(page.getByLabel('Signal').count()).resolves.toBe(0);
    const topic = page.getByLabel('Topic', { exact: true });
    await topic.fill('sensors/+/env');
    await topic.press('Enter');
    await page.getByRole('radio', { name: 'Payload field' }).click();
    const timeField = page.getByLabel('Time field');
    await timeField.fill('ts');
    await timeField.press('Enter');
    const labels = page.getByLabel('Topic labels');
    await labels.fill('sensors/{device}/env');
    await labels.press('Enter');
    const sent = JSON.parse((await page.getByTestId('sent-query').textContent()) ?? '{}');
    expect(sent).toMatchObject({
      topic: 'sensors/+/env',
      mapping: { format: 'json', timeSource: 'payload', timeField: 'ts', topicPattern: 'sensors/{device}/env' },
    });
    expect((await harness(page)).runs).toBe(4);
    expect(server.missing).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('MQTT config editor: a stored password shows as configured; skip-verify shows a warning', async () => {
    const { page, errors } = await open('light', 'config', 'mqtt');
    await expect(page.getByRole('textbox', { name: /^Broker URL/ }).inputValue()).resolves.toBe('mqtts://broker.example:8883');
    await expect(page.getByRole('textbox', { name: /^Password/ }).inputValue()).resolves.toBe('configured');
    expect(await page.getByText('Certificate verification is off').count()).toBe(0);
    await page.locator('label[for="tributary-mqtt-skip-verify"]').last().click();
    await page.getByText('Certificate verification is off').waitFor();
    expect(await page.getByRole('alert').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

async function expectChecked(toggle: ReturnType<Page['getByRole']>, checked: boolean) {
  await toggle.waitFor({ state: 'attached' });
  expect(await toggle.isChecked()).toBe(checked);
}
