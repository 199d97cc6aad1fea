/**
 * Tributary in a real Grafana (the docker compose stack): the provisioned datasource passes its
 * health check, the query editor's "With Streaming" switch changes the query Grafana sends, and a
 * provisioned streaming panel keeps receiving rows through Grafana Live.
 */
import { expect, test } from '@grafana/plugin-e2e';

const DATASOURCE_FILE = 'tributary.yaml';
const DASHBOARD_FILE = 'tributary/tributary-overview.json';

test('the provisioned datasource passes Save & test', async ({ readProvisionedDataSource, gotoDataSourceConfigPage, page }) => {
  const ds = await readProvisionedDataSource({ fileName: DATASOURCE_FILE });
  await gotoDataSourceConfigPage(ds.uid);
  // The provisioned datasource is read-only, so Grafana offers "Test" where an editable one says
  // "Save & test"; either way the button calls the backend's health check.
  const health = page.waitForResponse((r) => r.url().includes(`/api/datasources/uid/${ds.uid}/health`));
  await page.getByRole('button', { name: /^(Save & test|Test)$/ }).click();
  expect((await health).status()).toBe(200);
  await expect(page.getByText(/Tributary .* is working/)).toBeVisible();
});

test('"With Streaming" in the query editor changes the query sent to the backend', async ({
  panelEditPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: DATASOURCE_FILE });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  const toggle = row.getByLabel('With Streaming');
  const before = await toggle.isChecked();

  const sent = page.waitForRequest((r) => r.url().includes('/api/ds/query') && r.method() === 'POST');
  await row.locator(`label[for="${await toggle.getAttribute('id')}"]`).last().click();
  const body = (await sent).postDataJSON() as { queries: Array<{ withStreaming?: boolean }> };
  expect(body.queries[0].withStreaming).toBe(!before);
  await expect(toggle).toBeChecked({ checked: !before });
});

test('a streaming panel keeps receiving rows', async ({ readProvisionedDashboard, gotoDashboardPage, page }) => {
  const dashboard = await readProvisionedDashboard({ fileName: DASHBOARD_FILE });
  // Rows pushed to this browser on our datasource's Live channels, counted from the websocket.
  let rows = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      for (const line of String(payload).split('\n')) {
        if (!line.includes('ds/tributary/')) continue;
        const values = /"values":\[\[([^\]]*)\]/.exec(line);
        if (values) rows += values[1].split(',').length;
      }
    })
  );
  await gotoDashboardPage({ uid: dashboard.uid });
  await expect(page.getByText('Sine waves, streaming')).toBeVisible();
  await expect.poll(() => rows, { timeout: 20_000 }).toBeGreaterThan(0);
  const first = rows;
  await expect.poll(() => rows, { timeout: 20_000 }).toBeGreaterThan(first + 10);
});
