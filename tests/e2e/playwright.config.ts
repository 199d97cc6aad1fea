/**
 * Playwright config for the end-to-end suite (`npm run test:e2e`, run by tests/e2e/run.sh against the
 * docker compose stack). Follows create-plugin's layout: plugin-e2e's own `auth` project signs in
 * once and the specs reuse its storage state. Specs are `*.spec.ts`, which jest never collects.
 */
import { dirname } from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import type { PluginOptions } from '@grafana/plugin-e2e';

import { findChromium } from '../browser/harness/chromium';

const pluginE2eAuth = `${dirname(require.resolve('@grafana/plugin-e2e'))}/auth`;
// A system Chromium (as the browser tests use) when there is one; otherwise Playwright's own,
// installed by `npx playwright install chromium` (the CI workflow does that).
const executablePath = findChromium();

export default defineConfig<PluginOptions>({
  testDir: __dirname,
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../../.build/e2e/results',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    baseURL: process.env.GRAFANA_URL ?? 'http://localhost:3000',
    provisioningRootDir: `${__dirname}/../../provisioning`,
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'auth', testDir: pluginE2eAuth, testMatch: [/.*\.js/] },
    {
      name: 'run-tests',
      use: {
        ...devices['Desktop Chrome'],
        storageState: 'playwright/.auth/admin.json',
        launchOptions: executablePath ? { executablePath, args: ['--no-sandbox'] } : {},
      },
      dependencies: ['auth'],
    },
  ],
});
