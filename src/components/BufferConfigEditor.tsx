import React from 'react';
import { FieldSet } from '@grafana/ui';

import { BUFFER_SETTINGS_RANGES, DEFAULT_BUFFER_SETTINGS, type BufferSettings } from '../shared/mqtt';
import { SettingNumberField } from './SettingNumberField';

export interface BufferConfigEditorProps {
  /** jsonData.buffer; missing keys use DEFAULT_BUFFER_SETTINGS. */
  value: Partial<BufferSettings> | undefined;
  onChange: (value: Partial<BufferSettings>) => void;
}

const BUFFER_FIELDS: ReadonlyArray<{ key: keyof BufferSettings; label: string; description: string }> = [
  { key: 'maxAgeSeconds', label: 'Max age (s)', description: 'Oldest message kept for queries; older ones are dropped.' },
  {
    key: 'maxMessages',
    label: 'Max messages per topic filter',
    description: 'Most messages one subscription keeps; when full, the oldest go first (and are counted).',
  },
  {
    key: 'maxMemoryMiB',
    label: 'Memory cap (MiB)',
    description: 'Most payload bytes kept across every subscription of this datasource; the oldest go first.',
  },
  {
    key: 'idleGraceSeconds',
    label: 'Idle grace (s)',
    description: 'How long a subscription no panel uses stays, keeping its history warm across a dashboard refresh.',
  },
];

/**
 * The history every message source keeps per subscription: it answers the first query of a panel
 * (load, refresh, alert rules) before the live stream continues it.
 */
export function BufferConfigEditor({ value, onChange }: BufferConfigEditorProps) {
  const current = value ?? {};
  const set = (key: keyof BufferSettings, next: number | undefined) => {
    const updated = { ...current };
    if (next === undefined) {
      delete updated[key];
    } else {
      updated[key] = next;
    }
    onChange(updated);
  };
  return (
    <FieldSet label="Buffer">
      {BUFFER_FIELDS.map(({ key, label, description }) => (
        <SettingNumberField
          key={key}
          id={`tributary-buffer-${key}`}
          label={label}
          description={description}
          defaultValue={DEFAULT_BUFFER_SETTINGS[key]}
          range={BUFFER_SETTINGS_RANGES[key]}
          value={current[key]}
          onCommit={(next) => set(key, next)}
        />
      ))}
    </FieldSet>
  );
}
