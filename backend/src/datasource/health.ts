/** CheckHealth: settings were already validated when the instance was created (bad ones never get here). */
import type { TributarySettings } from '../../../src/shared/settings';
import type { CheckHealthResult, RunMode } from '@tributary/grafana-backend-sdk';

export interface HealthFacts {
  version: string;
  runMode: RunMode;
  activeChannels: number;
  settings: TributarySettings;
}

export function healthReport(facts: HealthFacts): CheckHealthResult {
  const mode = facts.runMode === 'sidecar' ? 'sidecar (shared backend process)' : 'managed (started by Grafana)';
  const channels = facts.activeChannels === 1 ? '1 active live channel' : `${facts.activeChannels} active live channels`;
  return {
    status: 'ok',
    message: `Tributary ${facts.version} is working: ${mode}, ${channels}.`,
    details: {
      version: facts.version,
      runMode: facts.runMode,
      activeChannels: facts.activeChannels,
      settings: facts.settings,
    },
  };
}
