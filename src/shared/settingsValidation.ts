/**
 * Validation of one datasource setting value against SETTINGS_RANGES; pure, shared by the config
 * editor and (if it wishes) the backend's settings check, so both report the same message.
 */
import { SETTINGS_RANGES, type TributarySettings } from './settings';

/** Why `value` is not acceptable for setting `key`, or undefined when it is. */
export function settingRangeError(key: keyof TributarySettings, value: number): string | undefined {
  const range = SETTINGS_RANGES[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `${key} must be a finite number`;
  }
  if (range.integer && !Number.isInteger(value)) {
    return `${key} must be a whole number`;
  }
  if (value < range.min || value > range.max) {
    return `${key} must be between ${range.min} and ${range.max}`;
  }
  return undefined;
}
