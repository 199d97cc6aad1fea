/**
 * The provisioned web source demo: one datasource per web kind (provisioning/datasources/web.yaml)
 * with settings the editors and backend accept, reaching the compose publisher's endpoints, and the
 * "Tributary web sources demo" dashboard with a row per kind whose queries read fields the demo
 * payloads really have.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

import webDashboardJson from '../../provisioning/dashboards/tributary/tributary-web-demo.json';
import { deployEvent, MetricsState, TickerState, WeatherState } from '../../backend/src/demo/webPayloads';
import { PAYLOAD_FORMATS, TIME_FORMATS, TIME_SOURCES, type PayloadMapping } from '../../src/shared/mapping';
import { fieldListError, topicPatternError } from '../../src/shared/mappingChecks';
import { BUFFER_SETTINGS_RANGES } from '../../src/shared/mqtt';
import { numberRangeError, type NumericRange } from '../../src/shared/ranges';
import { settingRangeError } from '../../src/shared/settingsValidation';
import {
  HTTP_POLL_RANGES,
  SSE_RANGES,
  WEB_ENDPOINT_RANGES,
  WEB_SETTINGS_KEY,
  WEBSOCKET_RANGES,
  webUrlError,
  type WebSourceKind,
} from '../../src/shared/webSourceChecks';
import { DEFAULT_HTTP_POLL_SETTINGS, DEFAULT_SSE_SETTINGS, DEFAULT_WEBSOCKET_SETTINGS } from '../../src/shared/webSources';
import { commandOf, loadCompose } from '../compose/compose-file';

// Type check: tsc fails here if the JSON stops matching Grafana's dashboard schema types.
const dashboard: Dashboard = webDashboardJson;

const repoRoot = path.resolve(__dirname, '..', '..');
const pluginId: string = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8')).id;
const doc = parse(readFileSync(path.join(repoRoot, 'provisioning', 'datasources', 'web.yaml'), 'utf8'));
const datasources = doc.datasources as Array<{ name: string; type: string; uid: string; isDefault?: boolean; jsonData: Record<string, any>; secureJsonData?: unknown }>;

const KINDS: WebSourceKind[] = ['websocket', 'sse', 'http-poll'];
const DEFAULTS: Record<WebSourceKind, object> = { websocket: DEFAULT_WEBSOCKET_SETTINGS, sse: DEFAULT_SSE_SETTINGS, 'http-poll': DEFAULT_HTTP_POLL_SETTINGS };
const RANGES: Record<WebSourceKind, Record<string, NumericRange>> = {
  websocket: { ...WEB_ENDPOINT_RANGES, ...WEBSOCKET_RANGES },
  sse: { ...WEB_ENDPOINT_RANGES, ...SSE_RANGES },
  'http-poll': { ...WEB_ENDPOINT_RANGES, ...HTTP_POLL_RANGES },
};
/** The paths the demo publisher serves per kind (backend/src/demo/webDemo.ts). */
const DEMO_PATHS: Record<WebSourceKind, string> = { websocket: '/ws', sse: '/events', 'http-poll': '/weather.json' };
const datasourceOf = (kind: WebSourceKind) => datasources.find((ds) => ds.jsonData.sourceKind === kind)!;

describe('web source demo datasources', () => {
  it('provisions one Tributary datasource per web kind, none the default, with unique uids and no secrets', () => {
    expect(doc.apiVersion).toBe(1);
    expect(datasources.map((ds) => ds.jsonData.sourceKind).sort()).toEqual([...KINDS].sort());
    for (const ds of datasources) {
      expect(ds.type).toBe(pluginId);
      expect(ds.isDefault).toBe(false);
      expect(ds.uid).toMatch(/^[a-zA-Z0-9\-_]{1,40}$/);
      expect(ds.secureJsonData).toBeUndefined();
    }
    expect(new Set(datasources.map((ds) => ds.uid)).size).toBe(datasources.length);
  });

  it.each(KINDS)('%s: only that kind’s settings, known keys, values in range', (kind) => {
    const { jsonData } = datasourceOf(kind);
    const key = WEB_SETTINGS_KEY[kind];
    expect(Object.keys(jsonData).sort()).toEqual(['buffer', 'maxPacketsPerSecond', 'sourceKind', key].sort());
    expect(settingRangeError('maxPacketsPerSecond', jsonData.maxPacketsPerSecond)).toBeUndefined();
    const settings = jsonData[key] as Record<string, unknown>;
    // Every key is a setting of this kind: one with a default, or one of the optional texts.
    const optional = ['connectMessage', 'body', 'rowsPath'];
    for (const name of Object.keys(settings)) expect([name, name in DEFAULTS[kind] || optional.includes(name)]).toEqual([name, true]);
    if (kind !== 'websocket') expect(settings.connectMessage).toBeUndefined();
    if (kind !== 'http-poll') expect([settings.body, settings.rowsPath]).toEqual([undefined, undefined]);
    expect(webUrlError(kind, settings.url as string)).toBeUndefined();
    for (const [name, value] of Object.entries(settings)) {
      if (typeof value === 'number') expect([name, numberRangeError(name, value, RANGES[kind][name])]).toEqual([name, undefined]);
    }
    for (const header of (settings.headers ?? []) as Array<{ secret?: boolean; value?: string }>) expect(header.secret === true && header.value !== undefined).toBe(false);
    for (const [name, value] of Object.entries(jsonData.buffer)) expect([name, numberRangeError(name, value as number, BUFFER_SETTINGS_RANGES[name as 'maxAgeSeconds'])]).toEqual([name, undefined]);
  });

  it.each(KINDS)('%s: reaches the compose publisher by service name, on the port and path it serves', (kind) => {
    const url = new URL(datasourceOf(kind).jsonData[WEB_SETTINGS_KEY[kind]].url);
    const compose = loadCompose();
    expect(compose.services[url.hostname]).toBeDefined();
    const command = commandOf(compose.services[url.hostname]);
    expect(url.port).toBe(command[command.indexOf('--http-port') + 1]);
    expect(url.pathname).toBe(DEMO_PATHS[kind]);
  });

  it('the WebSocket datasource subscribes with a connect message the demo ticker accepts', async () => {
    const { parseSubscribe } = await import('../../backend/src/demo/webPayloads');
    expect(parseSubscribe(datasourceOf('websocket').jsonData.websocket.connectMessage)).toEqual(['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA']);
  });
});

describe('web source demo dashboard', () => {
  const panels = (dashboard.panels ?? []) as Panel[];
  const targetsOf = (panel: Panel) => (panel.targets ?? []) as Array<Record<string, any>>;
  const uidKind = new Map(datasources.map((ds) => [ds.uid, ds.jsonData.sourceKind as WebSourceKind]));
  const now = Math.floor(Date.now() / 1000) * 1000;
  /** One payload of each kind as the demo sends it; for SSE, per event name. */
  const samples = {
    websocket: () => new TickerState().tick(now),
    sse: (event: string) => (event === 'deploy' ? deployEvent(now, 1) : new MetricsState().metrics(now)),
    'http-poll': () => new WeatherState().observe(now),
  };

  it('has a uid, a title and a schema version, distinct from the other dashboards', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9\-_]{1,40}$/);
    expect(['tributary-overview', 'tributary-mqtt-demo']).not.toContain(dashboard.uid);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('has one row per web kind; every panel under a row uses that kind’s provisioned datasource by type and uid', () => {
    const rows = panels.filter((p) => p.type === 'row');
    expect(rows).toHaveLength(KINDS.length);
    let rowKind: WebSourceKind | undefined;
    const kindsSeen = new Set<WebSourceKind>();
    for (const panel of panels) {
      if (panel.type === 'row') {
        rowKind = undefined;
        continue;
      }
      const kind = uidKind.get(panel.datasource!.uid!);
      expect([panel.title, kind !== undefined]).toEqual([panel.title, true]);
      rowKind ??= kind;
      expect([panel.title, kind]).toEqual([panel.title, rowKind]);
      kindsSeen.add(kind!);
      expect(panel.datasource).toEqual({ type: pluginId, uid: panel.datasource!.uid });
      for (const target of targetsOf(panel)) expect(target.datasource).toEqual(panel.datasource);
    }
    expect([...kindsSeen].sort()).toEqual([...KINDS].sort());
  });

  it('uses only message query fields of its own kind, streaming, with valid mappings that read real demo fields', () => {
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      const kind = uidKind.get(panel.datasource!.uid!)!;
      const own: Record<WebSourceKind, string[]> = { websocket: ['connectMessage'], sse: ['events'], 'http-poll': ['method', 'body', 'rowsPath', 'pollIntervalMs'] };
      const allowed = new Set(['refId', 'datasource', 'mapping', 'alias', 'withStreaming', 'hide', 'path', ...own[kind]]);
      for (const target of targetsOf(panel)) {
        for (const key of Object.keys(target)) expect([panel.title, key, allowed.has(key)]).toEqual([panel.title, key, true]);
        expect(target.withStreaming).toBe(true);
        const mapping = target.mapping as PayloadMapping;
        expect(PAYLOAD_FORMATS).toContain(mapping.format);
        expect(TIME_SOURCES).toContain(mapping.timeSource);
        if (mapping.timeFormat !== undefined) expect(TIME_FORMATS).toContain(mapping.timeFormat);
        if (mapping.fields !== undefined) expect(fieldListError(mapping.fields)).toBeUndefined();
        if (mapping.topicPattern !== undefined) expect(topicPatternError(mapping.topicPattern)).toBeUndefined();

        const events: string[] = kind === 'sse' ? (target.events ?? ['metrics', 'deploy']) : [''];
        for (const event of events) {
          const payload = kind === 'sse' ? samples.sse(event) : samples[kind]();
          for (const field of mapping.fields ?? []) expect([panel.title, field, typeof valueAt(payload, field)]).toEqual([panel.title, field, 'number']);
          if (mapping.timeSource === 'payload') {
            const time = valueAt(payload, mapping.timeField!);
            expect([panel.title, time]).not.toEqual([panel.title, undefined]);
            // The time format named is the one the demo writes: read back, it is the demo's own time.
            const ms = mapping.timeFormat === 'epoch-s' ? (time as number) * 1000 : mapping.timeFormat === 'epoch-ms' ? (time as number) : Date.parse(time as string);
            expect([panel.title, ms]).toEqual([panel.title, now]);
          }
        }
      }
    }
  });

  it('a query’s own connect message is one the demo ticker accepts', async () => {
    const { parseSubscribe } = await import('../../backend/src/demo/webPayloads');
    const own = panels.flatMap(targetsOf).filter((t) => t.connectMessage !== undefined);
    expect(own.length).toBeGreaterThan(0);
    for (const target of own) expect(Array.isArray(parseSubscribe(target.connectMessage))).toBe(true);
  });

  it('lays panels out without overlaps and with unique ids', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const boxes = panels.map((p) => p.gridPos!);
    for (let i = 0; i < boxes.length; i++) {
      expect(boxes[i].x + boxes[i].w).toBeLessThanOrEqual(24);
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).toBe(false);
      }
    }
  });
});

/** `a.b[0].c` → the value at that path, or undefined. */
function valueAt(value: unknown, dotted: string): unknown {
  return dotted
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== '')
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}
