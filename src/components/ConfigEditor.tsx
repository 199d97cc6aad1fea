import React from 'react';
import type { DataSourcePluginOptionsEditorProps, SelectableValue } from '@grafana/data';
import { Field, FieldSet, RadioButtonGroup } from '@grafana/ui';

import { sourceKindOf } from '../queryDefaults';
import { DEFAULT_SETTINGS, SETTINGS_DESCRIPTIONS, SETTINGS_RANGES, type TributarySettings } from '../shared/settings';
import { SOURCE_KINDS, SOURCE_KIND_LABELS, type SourceKind } from '../shared/sources';
import { isWebSourceKind } from '../shared/webSourceChecks';
import type { TributaryJsonData } from '../types';
import { BufferConfigEditor } from './BufferConfigEditor';
import { MqttConfigEditor } from './MqttConfigEditor';
import { WebSourceConfigEditor } from './WebSourceConfigEditor';
import { describeSetting, SettingNumberField } from './SettingNumberField';

export type Props = DataSourcePluginOptionsEditorProps<TributaryJsonData>;

const SETTING_LABELS: Record<keyof TributarySettings, string> = {
  maxSeries: 'Max series',
  minIntervalMs: 'Min interval (ms)',
  maxPacketsPerSecond: 'Max packets/s',
};

/** The limits each source kind uses: the generator's query limits only apply to signals; pacing applies to every stream. */
const LIMITS_BY_KIND: Record<SourceKind, ReadonlyArray<keyof TributarySettings>> = {
  signals: ['maxSeries', 'minIntervalMs', 'maxPacketsPerSecond'],
  mqtt: ['maxPacketsPerSecond'],
  websocket: ['maxPacketsPerSecond'],
  sse: ['maxPacketsPerSecond'],
  'http-poll': ['maxPacketsPerSecond'],
};

const KIND_OPTIONS: Array<SelectableValue<SourceKind>> = SOURCE_KINDS.map((kind) => ({ label: SOURCE_KIND_LABELS[kind], value: kind }));

/** The secondary text under a limit's label: what it limits, its default and its allowed range. */
export function settingDescription(key: keyof TributarySettings): string {
  return describeSetting(SETTINGS_DESCRIPTIONS[key], DEFAULT_SETTINGS[key], SETTINGS_RANGES[key]);
}

/**
 * Datasource settings: where the data comes from (the source kind) and that kind's settings, then
 * the limits the backend enforces. An empty field means "use the default"; the backend applies the
 * same defaults. Laid out like Grafana's own settings pages: label, secondary description, input.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const jsonData: TributaryJsonData = options.jsonData ?? {};
  const kind = sourceKindOf(jsonData);

  // Keep every other jsonData key (Grafana's own, other kinds' settings, keys we do not know) untouched.
  const setJsonData = (next: TributaryJsonData) => onOptionsChange({ ...options, jsonData: next });

  const setLimit = (key: keyof TributarySettings, value: number | undefined) => {
    const next: TributaryJsonData = { ...jsonData };
    if (value === undefined) {
      delete next[key];
    } else {
      next[key] = value;
    }
    setJsonData(next);
  };

  return (
    <>
      <FieldSet label="Source">
        <Field
          label="Source kind"
          description="Where this datasource's data comes from. The settings below and the query editor show that kind's fields."
        >
          <RadioButtonGroup<SourceKind> options={KIND_OPTIONS} value={kind} onChange={(sourceKind) => setJsonData({ ...jsonData, sourceKind })} />
        </Field>
      </FieldSet>
      {kind === 'mqtt' && <MqttConfigEditor options={options} onOptionsChange={onOptionsChange} />}
      {isWebSourceKind(kind) && <WebSourceConfigEditor kind={kind} options={options} onOptionsChange={onOptionsChange} />}
      {kind !== 'signals' && <BufferConfigEditor value={jsonData.buffer} onChange={(buffer) => setJsonData({ ...jsonData, buffer })} />}
      <FieldSet label="Limits">
        {LIMITS_BY_KIND[kind].map((key) => (
          <SettingNumberField
            key={key}
            id={`tributary-config-${key}`}
            label={SETTING_LABELS[key]}
            description={SETTINGS_DESCRIPTIONS[key]}
            defaultValue={DEFAULT_SETTINGS[key]}
            range={SETTINGS_RANGES[key]}
            value={jsonData[key]}
            onCommit={(value) => setLimit(key, value)}
          />
        ))}
      </FieldSet>
    </>
  );
}
