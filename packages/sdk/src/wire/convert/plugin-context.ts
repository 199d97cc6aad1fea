/** Wire plugin context and request headers → the SDK's PluginContext and header records. */
import type { DataSourceInstanceSettings, PluginContext, User } from '../../types';
import type { pluginv2 } from '../messages';
import { int64, stringMap } from './scalars';
import { decodeSettingsShell } from './settings';

export type WirePluginContext = pluginv2.IPluginContext;

function decodeUser(wire: pluginv2.IUser): User {
  return { login: wire.login ?? '', name: wire.name ?? '', email: wire.email ?? '', role: wire.role ?? '' };
}

/**
 * The request's plugin context. `settings` are the instance's decoded settings when the instance
 * manager has them (jsonData parsed once per settings version); without them, the settings shell.
 */
export function decodePluginContext(wire: WirePluginContext | null | undefined, settings?: DataSourceInstanceSettings): PluginContext {
  const ds = wire?.dataSourceInstanceSettings;
  return {
    orgId: int64(wire?.orgId),
    pluginId: wire?.pluginId ?? '',
    user: wire?.user ? decodeUser(wire.user) : undefined,
    dataSourceInstanceSettings: settings ?? (ds ? decodeSettingsShell(ds) : undefined),
    grafanaConfig: stringMap(wire?.grafanaConfig),
    pluginVersion: wire?.pluginVersion ?? '',
    userAgent: wire?.userAgent ?? '',
    apiVersion: wire?.apiVersion ?? '',
    namespace: wire?.namespace ?? '',
  };
}

/** A request's `headers` map (Grafana's forwarded HTTP headers) → a fresh record. */
export const decodeHeaders = stringMap;
