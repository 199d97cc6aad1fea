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
import mqttDashboardJson from '../../provisioning/dashboards/tributary/tributary-mqtt-demo.json';
import { DEMO_DEVICES, POWER_TOPIC, envPayload, envTopic, initialState } from '../../backend/src/demo/payloads';
import { brokerUrlError } from '../../src/shared/brokerUrl';
import { PAYLOAD_FORMATS, TIME_FORMATS, TIME_SOURCES, type PayloadMapping } from '../../src/shared/mapping';
import { fieldListError, topicPatternError } from '../../src/shared/mappingChecks';
import { BUFFER_SETTINGS_RANGES, DEFAULT_MQTT_SETTINGS, MQTT_SECURE_KEYS, MQTT_SETTINGS_RANGES } from '../../src/shared/mqtt';
import { numberRangeError, type NumericRange } from '../../src/shared/ranges';
import { topicFilterError } from '../../src/shared/topicFilter';

// Type check: tsc fails here if the JSON stops matching Grafana's dashboard schema types.
const dashboard: Dashboard = dashboardJson;
const mqttDashboard: Dashboard = mqttDashboardJson;

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
// The signals datasource (the default one) and the MQTT demo datasource, both Tributary.
const tributary = datasources.find((ds) => ds.type === pluginId && ds.isDefault === true);
const mqttDatasource = datasources.find((ds) => ds.type === pluginId && ds.jsonData?.sourceKind === 'mqtt');

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
    expect(tributary!.jsonData?.sourceKind).toBeUndefined(); // signals, the default kind
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

/** `a.b[0].c` → the value at that path, or undefined. */
function valueAt(value: unknown, dotted: string): unknown {
  return dotted
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== '')
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}

function rangesOk(values: Record<string, unknown>, ranges: Record<string, NumericRange>): Array<[string, string | undefined]> {
  return Object.entries(values).map(([key, value]) => [key, key in ranges ? numberRangeError(key, value as number, ranges[key]) : `${key} is not a setting`]);
}

describe('MQTT demo datasource provisioning', () => {
  it('is a Tributary datasource of kind mqtt, not the default, with its own uid', () => {
    expect(mqttDatasource).toBeDefined();
    expect(mqttDatasource!.isDefault).toBe(false);
    expect(mqttDatasource!.uid).not.toBe(tributary!.uid);
  });

  it('has valid MQTT jsonData (src/shared/mqtt.ts): the compose broker, settings in range, no secret in jsonData', () => {
    const jsonData = mqttDatasource!.jsonData as Record<string, any>;
    expect(Object.keys(jsonData).sort()).toEqual(['buffer', 'maxPacketsPerSecond', 'mqtt', 'sourceKind']);
    expect(settingRangeError('maxPacketsPerSecond', jsonData.maxPacketsPerSecond)).toBeUndefined();
    const { url, testTopic, tlsSkipVerify, ...numbers } = jsonData.mqtt;
    expect(url).toBe('mqtt://mosquitto:1883');
    expect(brokerUrlError(url)).toBeUndefined();
    expect(topicFilterError(testTopic)).toBeUndefined();
    expect(tlsSkipVerify).toBe(false);
    expect(Object.keys(jsonData.mqtt).every((key) => key in DEFAULT_MQTT_SETTINGS || key === 'testTopic')).toBe(true);
    for (const [key, problem] of rangesOk(numbers, MQTT_SETTINGS_RANGES)) expect([key, problem]).toEqual([key, undefined]);
    expect(numbers.reconnectMinMs).toBeLessThanOrEqual(numbers.reconnectMaxMs);
    for (const [key, problem] of rangesOk(jsonData.buffer, BUFFER_SETTINGS_RANGES)) expect([key, problem]).toEqual([key, undefined]);
    const text = JSON.stringify(jsonData);
    for (const secret of MQTT_SECURE_KEYS) expect(text).not.toContain(`"${secret}"`);
  });
});

describe('MQTT demo dashboard provisioning', () => {
  const panels = (mqttDashboard.panels ?? []) as Panel[];
  const expectedRef: DataSourceRef = { type: pluginId, uid: mqttDatasource!.uid };
  const targetsOf = (panel: Panel) => (panel.targets ?? []) as Array<Record<string, any>>;
  const allowedTargetKeys = new Set(['refId', 'datasource', 'topic', 'mapping', 'alias', 'withStreaming', 'hide']);
  // What the demo publisher sends on each topic, measured now.
  const sample = (topic: string): unknown => {
    const device = DEMO_DEVICES.find((d) => envTopic(d) === topic);
    return device ? envPayload(device, initialState(), Date.now()) : undefined;
  };

  it('has a uid distinct from the signals dashboard, a title and a schema version', () => {
    expect(mqttDashboard.uid).toMatch(/^[a-zA-Z0-9\-_]{1,40}$/);
    expect(mqttDashboard.uid).not.toBe(dashboard.uid);
    expect(mqttDashboard.title).toBeTruthy();
    expect(mqttDashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('puts every panel and query on the provisioned MQTT datasource by type and uid', () => {
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      expect(panel.datasource).toEqual(expectedRef);
      expect(targetsOf(panel).length).toBeGreaterThan(0);
      for (const target of targetsOf(panel)) expect(target.datasource).toEqual(expectedRef);
    }
  });

  it('shows a wildcard topic as labelled series, a stat and a table of the last messages, all streaming', () => {
    const labelled = panels.filter(
      (p) => p.type === 'timeseries' && targetsOf(p).some((t) => t.topic.includes('+') && t.mapping?.topicPattern === 'sensors/{device}/env'),
    );
    expect(labelled.length).toBeGreaterThan(0);
    expect(panels.some((p) => p.type === 'stat')).toBe(true);
    expect(panels.some((p) => p.type === 'table')).toBe(true);
    for (const panel of panels) for (const target of targetsOf(panel)) expect(target.withStreaming).toBe(true);
  });

  it('uses only message query fields, with valid topic filters and mappings', () => {
    for (const panel of panels) {
      for (const target of targetsOf(panel)) {
        for (const key of Object.keys(target)) expect([panel.title, key, allowedTargetKeys.has(key)]).toEqual([panel.title, key, true]);
        expect([panel.title, topicFilterError(target.topic)]).toEqual([panel.title, undefined]);
        const mapping = target.mapping as PayloadMapping;
        expect(PAYLOAD_FORMATS).toContain(mapping.format);
        expect(TIME_SOURCES).toContain(mapping.timeSource);
        if (mapping.timeFormat !== undefined) expect(TIME_FORMATS).toContain(mapping.timeFormat);
        if (mapping.fields !== undefined) expect(fieldListError(mapping.fields)).toBeUndefined();
        if (mapping.topicPattern !== undefined) expect(topicPatternError(mapping.topicPattern)).toBeUndefined();
      }
    }
  });

  it("reads what the demo publisher sends: subscribed topics exist, named fields and time fields are in its payloads", () => {
    const published = [...DEMO_DEVICES.map(envTopic), POWER_TOPIC];
    // MQTT matching, level by level: `+` is one level, `#` the rest.
    const matches = (filter: string, topic: string) => {
      const f = filter.split('/');
      const t = topic.split('/');
      for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true;
        if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
      }
      return f.length === t.length;
    };
    for (const panel of panels) {
      for (const target of targetsOf(panel)) {
        const topics = published.filter((t) => matches(target.topic, t));
        expect([panel.title, topics.length > 0]).toEqual([panel.title, true]);
        const mapping = target.mapping as PayloadMapping;
        if (mapping.format === 'number') {
          expect(topics).toEqual([POWER_TOPIC]);
          continue;
        }
        for (const topic of topics) {
          const payload = sample(topic);
          expect([topic, payload !== undefined]).toEqual([topic, true]);
          for (const field of mapping.fields ?? []) expect([topic, field, typeof valueAt(payload, field)]).toEqual([topic, field, 'number']);
          if (mapping.timeSource === 'payload') expect([topic, valueAt(payload, mapping.timeField!)]).not.toEqual([topic, undefined]);
        }
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
        expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).toBe(false);
      }
    }
  });
});
