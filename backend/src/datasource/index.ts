/**
 * Tributary: a streaming datasource whose queries return history for the time range and, with
 * "With Streaming" on, a Grafana Live channel that continues the same series. The source kind in the
 * settings picks the instance: `signals` (the generator, docs/datasource.md) or a message source —
 * `mqtt`, `websocket`, `sse`, `http-poll` (docs/sources.md) — which all share one glue (MessageSourceInstance).
 */
import type { TributaryQuery } from '../../../src/shared/query';
import type { PluginDefinition } from '@tributary/grafana-backend-sdk';
import { version as packageVersion } from '../../../package.json';
import { mqttConnection, payloadMapper } from '../sources/glue/bindings';
import { ChannelStore } from '../sources/glue/channelStore';
import { webConnection } from '../sources/glue/webBindings';
import { signalHistoryTask } from './historyTask';
import { TributaryInstance } from './instance';
import { MessageSourceInstance } from './messages/instance';
import { decodeDatasourceSettings, type DecodedSettings } from './settings';

export const PLUGIN_ID = 'tributary-streaming-datasource';
export const VERSION: string = packageVersion;

/** One per process, made on first use: remembers the queries behind hashed channel paths (on disk). */
let channelStore: ChannelStore | undefined;

export const tributaryPlugin: PluginDefinition<TributaryQuery, DecodedSettings> = {
  pluginId: PLUGIN_ID,
  version: VERSION,
  // Once per settings version; a SettingsError says which setting to fix.
  decodeSettings: (settings) => decodeDatasourceSettings(settings),
  newInstance: (settings, ctx) => {
    if (settings.config.sourceKind === 'signals') {
      return new TributaryInstance(settings, ctx, { version: VERSION });
    }
    channelStore ??= new ChannelStore({ warn: (message, fields) => ctx.logger.warn(message, fields) });
    return new MessageSourceInstance(settings, ctx, {
      version: VERSION,
      mapper: payloadMapper,
      store: channelStore,
      connect: ({ settings: config, uid, logger, registry }) => {
        const common = { uid, buffer: config.buffer, secrets: config.secrets, logger, registry };
        switch (config.sourceKind) {
          case 'mqtt':
            return mqttConnection({ ...common, mqtt: config.mqtt });
          case 'websocket':
            return webConnection({ ...common, kind: 'websocket', settings: config.websocket });
          case 'sse':
            return webConnection({ ...common, kind: 'sse', settings: config.sse });
          case 'http-poll':
            return webConnection({ ...common, kind: 'http-poll', settings: config.httpPoll });
        }
      },
    });
  },
  frameTasks: [signalHistoryTask],
  metricsNamespace: 'tributary',
};

export { TributaryInstance } from './instance';
export { MessageSourceInstance } from './messages/instance';
