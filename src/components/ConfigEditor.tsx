import React from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { FieldSet } from '@grafana/ui';

import { DEFAULT_SETTINGS, SETTINGS_DESCRIPTIONS, SETTINGS_RANGES, type TributarySettings } from '../shared/settings';
import type { TributaryJsonData } from '../types';
import { settingRangeError } from '../shared/settingsValidation';
import { NumberField } from './NumberField';

export type Props = DataSourcePluginOptionsEditorProps<TributaryJsonData>;

const SETTING_FIELDS: ReadonlyArray<{ key: keyof TributarySettings; label: string }> = [
  { key: 'maxSeries', label: 'Max series' },
  { key: 'minIntervalMs', label: 'Min interval (ms)' },
  { key: 'maxPacketsPerSecond', label: 'Max packets/s' },
];

/**
 * Datasource settings: the limits the backend enforces on queries and live streams. An empty
 * field means "use the default"; the backend applies the same defaults.
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
      {SETTING_FIELDS.map(({ key, label }) => {
        const range = SETTINGS_RANGES[key];
        return (
          <div key={key}>
            <NumberField
              id={`tributary-config-${key}`}
              label={label}
              labelWidth={24}
              tooltip={`${SETTINGS_DESCRIPTIONS[key]} Default ${DEFAULT_SETTINGS[key]}; allowed ${range.min} to ${range.max}.`}
              value={jsonData[key]}
              placeholder={String(DEFAULT_SETTINGS[key])}
              allowEmpty
              validate={(value) => settingRangeError(key, value)}
              onCommit={(value) => setSetting(key, value)}
            />
            <p className="tributary-setting-description" id={`tributary-config-${key}-description`}>
              {SETTINGS_DESCRIPTIONS[key]} Default: {DEFAULT_SETTINGS[key]}.
            </p>
          </div>
        );
      })}
    </FieldSet>
  );
}
