import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { FieldSet } from '@grafana/ui';

import { numberRangeError } from '../shared/ranges';
import { DEFAULT_SETTINGS, SETTINGS_DESCRIPTIONS, SETTINGS_RANGES, type TributarySettings } from '../shared/settings';
import type { TributaryJsonData } from '../types';
import { NumberField } from './NumberField';

export type Props = DataSourcePluginOptionsEditorProps<TributaryJsonData>;

const SETTING_FIELDS: ReadonlyArray<{ key: keyof TributarySettings; label: string }> = [
  { key: 'maxSeries', label: 'Max series' },
  { key: 'minIntervalMs', label: 'Min interval (ms)' },
  { key: 'maxPacketsPerSecond', label: 'Max packets/s' },
];

/** The secondary text under a setting's label: what it limits, its default and its allowed range. */
export function settingDescription(key: keyof TributarySettings): string {
  const range = SETTINGS_RANGES[key];
  return `${SETTINGS_DESCRIPTIONS[key]} Default ${DEFAULT_SETTINGS[key]}; allowed ${range.min} to ${range.max}.`;
}

/**
 * Datasource settings: the limits the backend enforces on queries and live streams. An empty
 * field means "use the default"; the backend applies the same defaults. Laid out like Grafana's own
 * settings pages: label, secondary description, input.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const jsonData: TributaryJsonData = options.jsonData ?? {};

  const setSetting = (key: keyof TributarySettings, value: number | undefined) => {
    // Keep every other jsonData key (Grafana's own and any we do not know) untouched.
    const next: TributaryJsonData = { ...jsonData };
    if (value === undefined) {
      delete next[key];
    } else {
      next[key] = value;
    }
    onOptionsChange({ ...options, jsonData: next });
  };

  return (
    <FieldSet label="Limits">
      {SETTING_FIELDS.map(({ key, label }) => (
        <NumberField
          key={key}
          id={`tributary-config-${key}`}
          layout="stacked"
          label={label}
          description={settingDescription(key)}
          width={24}
          value={jsonData[key]}
          placeholder={String(DEFAULT_SETTINGS[key])}
          allowEmpty
          // Named by the label the user sees, with the same range the backend checks.
          validate={(value) => numberRangeError(label, value, SETTINGS_RANGES[key])}
          onCommit={(value) => setSetting(key, value)}
        />
      ))}
    </FieldSet>
  );
}
