/**
 * The provisioned datasource and dashboard: Grafana's provisioning format, @grafana/schema's
 * dashboard types (checked by `tsc` through the typed import below), and queries that the Tributary
 * backend accepts under the provisioned settings.
 */
import type { Dashboard, DataSourceRef, Panel } from '@grafana/schema';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import dashboardJson from '../../provisioning/dashboards/tributary/tributary-overview.json';
import { DEFAULT_QUERY, isSignalKind, rangeError, type NumericQueryKey, QUERY_RANGES } from '../../src/shared/query';
import { DEFAULT_SETTINGS, type TributarySettings } from '../../src/shared/settings';
import { settingRangeError } from '../../src/shared/settingsValidation';

// Type check: tsc fails here if the JSON stops matching Grafana's dashboard schema types.
const dashboard: Dashboard = dashboardJson;

const repoRoot = path.resolve(__dirname, '..', '..');
const pluginId: string = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8')).id;

interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
  access: string;
  isDefault?: boolean;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
}

function readYaml(relative: string): any {
  return parse(readFileSync(path.join(repoRoot, relative), 'utf8'));
}

const datasourceFiles = readdirSync(path.join(repoRoot, 'provisioning', 'datasources')).filter((f) => /\.ya?ml$/.test(f));
const datasources: ProvisionedDatasource[] = datasourceFiles.flatMap(
  (file) => readYaml(path.join('provisioning', 'datasources', file)).datasources ?? [],
);
const tributary = datasources.find((ds) => ds.type === pluginId);

describe('datasource provisioning', () => {
  it.each(datasourceFiles)('%s is Grafana provisioning format apiVersion 1 with a datasources list', (file) => {
    const doc = readYaml(path.join('provisioning', 'datasources', file));
    expect(doc.apiVersion).toBe(1);
    expect(Array.isArray(doc.datasources)).toBe(true);
    for (const ds of doc.datasources as ProvisionedDatasource[]) {
      expect(typeof ds.name).toBe('string');
      expect(typeof ds.type).toBe('string');
      // Grafana's uid rule: 1..40 of [a-zA-Z0-9-_]; an explicit uid keeps dashboards and channels stable.
      expect(ds.uid).toMatch(/^[a-zA-Z0-9\-_]{1,40}$/);
      expect(['proxy', 'direct']).toContain(ds.access);
    }
  });

  it('provisions Tributary by its plugin id, as the default datasource', () => {
    expect(tributary).toBeDefined();
    expect(tributary!.type).toBe('tributary-streaming-datasource');
    expect(tributary!.access).toBe('proxy');
    expect(tributary!.isDefault).toBe(true);
  });

  it('gives every Tributary setting a value the backend accepts, and nothing else', () => {
    const jsonData = tributary!.jsonData ?? {};
    expect(Object.keys(jsonData).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
    for (const [key, value] of Object.entries(jsonData)) {
      expect(settingRangeError(key as keyof TributarySettings, value as number)).toBeUndefined();
    }
  });

  it('declares unique names and uids', () => {
    expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);
    expect(new Set(datasources.map((d) => d.name)).size).toBe(datasources.length);
  });
});

describe('dashboard provisioning', () => {
  const settings = tributary!.jsonData as unknown as TributarySettings;
  const panels = (dashboard.panels ?? []) as Panel[];
  const expectedRef: DataSourceRef = { type: pluginId, uid: tributary!.uid };
  const allowedTargetKeys = new Set([...Object.keys(DEFAULT_QUERY), 'refId', 'datasource', 'alias', 'hide', 'queryType']);
  const targetsOf = (panel: Panel) => (panel.targets ?? []) as Array<Record<string, unknown>>;
  const streams = (panel: Panel) => targetsOf(panel).some((t) => t.withStreaming === true);

  it('has a uid, a title and a schema version', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9\-_]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('has a streaming time series, a non-streaming panel and a streaming stat panel', () => {
    expect(panels.some((p) => p.type === 'timeseries' && streams(p))).toBe(true);
    expect(panels.some((p) => targetsOf(p).length > 0 && !streams(p))).toBe(true);
    expect(panels.some((p) => p.type === 'stat' && streams(p))).toBe(true);
  });

  it('puts every panel and every query on the provisioned Tributary datasource by type and uid', () => {
    for (const panel of panels) {
      expect(panel.datasource).toEqual(expectedRef);
      expect(targetsOf(panel).length).toBeGreaterThan(0);
      for (const target of targetsOf(panel)) expect(target.datasource).toEqual(expectedRef);
    }
  });

  it('uses only query fields of src/shared/query.ts, with values the backend accepts under the provisioned limits', () => {
    for (const panel of panels) {
      for (const target of targetsOf(panel)) {
        for (const key of Object.keys(target)) expect(allowedTargetKeys).toContain(key);
        expect(isSignalKind(target.signal)).toBe(true);
        expect(typeof target.withStreaming).toBe('boolean');
        for (const key of Object.keys(QUERY_RANGES) as NumericQueryKey[]) {
          expect([panel.title, key, rangeError(key, target[key] as number)]).toEqual([panel.title, key, undefined]);
        }
        expect(target.seriesCount as number).toBeLessThanOrEqual(settings.maxSeries);
        expect(target.sampleIntervalMs as number).toBeGreaterThanOrEqual(settings.minIntervalMs);
      }
    }
  });

  it('lays panels out without overlaps and with unique ids', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const boxes = panels.map((p) => p.gridPos!);
    for (let i = 0; i < boxes.length; i++) {
      expect(boxes[i].x + boxes[i].w).toBeLessThanOrEqual(24);
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect([panels[i].title, panels[j].title, overlap]).toEqual([panels[i].title, panels[j].title, false]);
      }
    }
  });
});

describe('dashboard provider', () => {
  const files = readdirSync(path.join(repoRoot, 'provisioning', 'dashboards')).filter((f) => /\.ya?ml$/.test(f));

  it.each(files)('%s is apiVersion 1 with file providers that have a path', (file) => {
    const doc = readYaml(path.join('provisioning', 'dashboards', file));
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers.length).toBeGreaterThan(0);
    for (const provider of doc.providers) {
      expect(typeof provider.name).toBe('string');
      expect(provider.type).toBe('file');
      expect(provider.options.path).toMatch(/^\//);
    }
  });
});
