/** Datasource settings (jsonData): validated once per instance; bad values stop the instance with a fix-it message. */
import { SettingsError } from '@tributary/grafana-backend-sdk';
import type { TributarySettings } from '../../../src/shared/settings';
import { validateSettings } from '../../../src/shared/validation';

export function parseSettings(jsonData: unknown): TributarySettings {
  const { settings, problems } = validateSettings(jsonData);
  if (problems.length > 0) {
    throw new SettingsError(
      `Tributary settings need fixing (Connections → Data sources → this datasource): ${problems.join('; ')}.`,
    );
  }
  return settings;
}
