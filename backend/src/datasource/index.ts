/**
 * Tributary: a streaming datasource whose queries return history for the time range and, with
 * "With Streaming" on, a Grafana Live channel that continues the same series. See docs/datasource.md.
 */
import type { TributaryQuery } from '../../../src/shared/query';
import type { TributarySettings } from '../../../src/shared/settings';
import type { PluginDefinition } from '@tributary/grafana-backend-sdk';
import { version as packageVersion } from '../../../package.json';
import { signalHistoryTask } from './historyTask';
import { TributaryInstance } from './instance';
import { parseSettings } from './settings';

export const PLUGIN_ID = 'tributary-streaming-datasource';
export const VERSION: string = packageVersion;

export const tributaryPlugin: PluginDefinition<TributaryQuery, TributarySettings> = {
  pluginId: PLUGIN_ID,
  version: VERSION,
  // Once per settings version; a SettingsError says which setting to fix.
  decodeSettings: (settings) => parseSettings(settings.jsonData),
  newInstance: (settings, ctx) => new TributaryInstance(settings, ctx, { version: VERSION }),
  frameTasks: [signalHistoryTask],
  metricsNamespace: 'tributary',
};

export { TributaryInstance } from './instance';
