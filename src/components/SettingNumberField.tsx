import React from 'react';

import { numberRangeError, type NumericRange } from '../shared/ranges';
import { NumberField } from './NumberField';

export interface SettingNumberFieldProps {
  id: string;
  label: string;
  /** What the setting does; the default and the allowed range are appended. */
  description: string;
  defaultValue: number;
  range: NumericRange;
  value: number | undefined;
  /** An extra check beyond the range (e.g. against another setting), or undefined when fine. */
  validate?: (value: number) => string | undefined;
  onCommit: (value: number | undefined) => void;
}

/** The secondary text under a setting's label: what it does, its default and its allowed range. */
export function describeSetting(description: string, defaultValue: number, range: NumericRange): string {
  return `${description} Default ${defaultValue}; allowed ${range.min} to ${range.max}.`;
}

/**
 * A numeric datasource setting laid out like Grafana's settings pages (label, description, input).
 * Empty means "use the default", shown as the placeholder; the backend applies the same default.
 */
export function SettingNumberField({ id, label, description, defaultValue, range, value, validate, onCommit }: SettingNumberFieldProps) {
  return (
    <NumberField
      id={id}
      layout="stacked"
      label={label}
      description={describeSetting(description, defaultValue, range)}
      width={24}
      value={value}
      placeholder={String(defaultValue)}
      allowEmpty
      // Named by the label the user sees, with the same range the backend checks.
      validate={(v) => numberRangeError(label, v, range) ?? validate?.(v)}
      onCommit={onCommit}
    />
  );
}
