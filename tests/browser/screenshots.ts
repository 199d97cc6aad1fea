/**
 * `npm run screenshots`: pictures of the real components for README.md and the issue notes, written
 * to docs/img/ (committed). Light and dark theme each:
 *   - query-editor-<theme>.png          the query editor as a panel editor shows it
 *   - query-editor-menu-<theme>.png     the signal menu open (every option, no scrolling)
 *   - query-editor-error-<theme>.png    an out-of-range interval: the message, neighbours in place
 *   - config-editor-<theme>.png         the datasource settings (source kind signals)
 *   - query-editor-mqtt-<theme>.png     the query editor of an MQTT datasource: topic, payload mapping
 *   - config-editor-mqtt-<theme>.png    the settings of an MQTT datasource (stored password, skip-verify
 *                                       on with its warning)
 *   - live-graph-<theme>.png            Grafana UI's time series graph fed by the built backend's
 *                                       QueryData history and RunStream packets (needs npm run build)
 * Uses the browser harness (tests/browser/harness) in headless Chromium; fails if the stream does
 * not add rows to the graph.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

import { buildHarness } from './harness/build';
import { CHROMIUM_ARGS, CHROMIUM_CANDIDATES, findChromium } from './harness/chromium';
import { serveHarness } from './harness/serve';
import { openLiveFeed } from './liveFeed';
import { repoRoot } from '../support/goplugin';

const OUT_DIR = path.join(repoRoot, 'docs', 'img');
const BUILD_DIR = path.join(repoRoot, '.build', 'screenshots');
const STREAM_SECONDS = 4;
const LIVE_QUERY = { signal: 'sine', seriesCount: 3, sampleIntervalMs: 100, amplitude: 10, offset: 0, periodMs: 20_000 };

type Theme = 'light' | 'dark';

async function open(browser: Browser, baseUrl: string, view: string, theme: Theme, kind = 'signals', height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height }, deviceScaleFactor: 1 });
  await page.goto(`${baseUrl}index.html?view=${view}&theme=${theme}&kind=${kind}`);
  await page.locator('main').waitFor();
  return page;
}

/** The editor, plus whatever it shows outside its box (an open menu portal, an overflowing message). */
async function shoot(page: Page, name: string, extra?: Locator): Promise<void> {
  const file = path.join(OUT_DIR, name);
  const box = (await page.locator('main').boundingBox())!;
  const more = extra ? (await extra.boundingBox())! : box;
  const right = Math.max(box.x + box.width, more.x + more.width + 16);
  const bottom = Math.max(box.y + box.height, more.y + more.height + 16);
  await page.screenshot({ path: file, animations: 'disabled', clip: { x: box.x, y: box.y, width: right - box.x, height: bottom - box.y } });
  console.log(`screenshots: wrote ${path.relative(repoRoot, file)}`);
}

async function queryEditor(browser: Browser, url: string, theme: Theme) {
  const page = await open(browser, url, 'query', theme);
  await page.getByTestId('tributary-query-editor').waitFor();
  await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="sent-query"]')?.remove());
  await shoot(page, `query-editor-${theme}.png`);

  await page.getByLabel('Signal').click();
  await page.getByRole('listbox').waitFor();
  await shoot(page, `query-editor-menu-${theme}.png`, page.getByRole('listbox'));
  await page.keyboard.press('Escape');

  const interval = page.getByLabel('Interval (ms)');
  await interval.fill('5');
  await interval.press('Enter');
  const message = page.getByText('Interval (ms) must be between', { exact: false });
  await message.waitFor();
  await shoot(page, `query-editor-error-${theme}.png`, message);
  await page.close();
}

async function configEditor(browser: Browser, url: string, theme: Theme) {
  const page = await open(browser, url, 'config', theme);
  await page.getByTestId('tributary-config-editor').waitFor();
  await shoot(page, `config-editor-${theme}.png`);
  await page.close();
}

async function mqttQueryEditor(browser: Browser, url: string, theme: Theme) {
  const page = await open(browser, url, 'query', theme, 'mqtt');
  await page.getByTestId('tributary-query-editor').waitFor();
  const fill = async (label: string, text: string) => {
    const input = page.getByLabel(label, { exact: true });
    await input.fill(text);
    await input.press('Enter');
  };
  await fill('Topic', 'sensors/+/env');
  await fill('Fields', 'env.temperature, env.humidity');
  await page.getByRole('radio', { name: 'Payload field' }).click();
  await fill('Time field', 'ts');
  await fill('Topic labels', 'sensors/{device}/env');
  await fill('Alias', '{{device}} {{field}}');
  await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="sent-query"]')?.remove());
  await shoot(page, `query-editor-mqtt-${theme}.png`);
  await page.close();
}

async function mqttConfigEditor(browser: Browser, url: string, theme: Theme) {
  const page = await open(browser, url, 'config', theme, 'mqtt', 3200);
  await page.getByTestId('tributary-config-editor').waitFor();
  await page.locator('label[for="tributary-mqtt-skip-verify"]').last().click();
  await page.getByText('Certificate verification is off').waitFor();
  await shoot(page, `config-editor-mqtt-${theme}.png`);
  await page.close();
}

async function liveGraph(browser: Browser, url: string, theme: Theme) {
  const page = await open(browser, url, 'stream', theme);
  await page.getByTestId('stream-waiting').waitFor();
  // The page is ready before the query: RunStream follows QueryData at once, as in Grafana.
  const feed = await openLiveFeed(LIVE_QUERY, 60_000);
  try {
    const history = feed.history;
    feed.start((packet) => void page.evaluate((p) => window.__stream.push(p), packet).catch(() => undefined));
    await page.evaluate(({ frame, windowMs }) => window.__stream.seed(frame, windowMs), { frame: history, windowMs: feed.windowMs });
    const seededUntil = await page.evaluate(() => window.__stream.newestTime());
    await page.waitForTimeout(STREAM_SECONDS * 1000);
    const streamedUntil = await page.evaluate(() => window.__stream.newestTime());
    if (!(streamedUntil > seededUntil)) {
      throw new Error(`no RunStream rows reached the graph in ${STREAM_SECONDS} s (newest time ${seededUntil} → ${streamedUntil})`);
    }
    await shoot(page, `live-graph-${theme}.png`);
  } finally {
    await page.close();
    await feed.stop();
  }
}

async function main() {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error(`no Chromium found (looked at ${CHROMIUM_CANDIDATES.join(', ')}); install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await buildHarness(BUILD_DIR);
  const server = await serveHarness(BUILD_DIR);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    for (const theme of ['light', 'dark'] as const) {
      await queryEditor(browser, server.url, theme);
      await configEditor(browser, server.url, theme);
      await mqttQueryEditor(browser, server.url, theme);
      await mqttConfigEditor(browser, server.url, theme);
      await liveGraph(browser, server.url, theme);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(`screenshots: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
