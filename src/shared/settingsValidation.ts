/**
 * Validation of one datasource setting value against SETTINGS_RANGES; pure, shared by the config
 * editor and (if it wishes) the backend's settings check, so both report the same message.
 */
import { numberRangeError } from './ranges';
import { SETTINGS_RANGES, type TributarySettings } from './settings';

/** Why `value` is not acceptable for setting `key`, or undefined when it is. */
export function settingRangeError(key: keyof TributarySettings, value: number): string | undefined {
  return numberRangeError(key, value, SETTINGS_RANGES[key]);
}
