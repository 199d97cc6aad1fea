import type { DataSourceSettings } from '@grafana/data';

import type { TributaryJsonData } from '../types';

type Options = DataSourceSettings<TributaryJsonData>;

/**
 * The secrets of a datasource as the config editor sees them: values typed in this session
 * (secureJsonData) and which keys Grafana already stores (secureJsonFields; it never sends values back).
 */
export interface SecretState {
  /** Stored by Grafana (shown as "configured" with a reset button). */
  isConfigured: (key: string) => boolean;
  /** The value typed in this session, or ''. */
  typed: (key: string) => string;
}

export function secretState(options: Options): SecretState {
  const fields = options.secureJsonFields ?? {};
  const data = (options.secureJsonData ?? {}) as Record<string, string | undefined>;
  return { isConfigured: (key) => fields[key] === true, typed: (key) => data[key] ?? '' };
}

/** Options with `key`'s secret set to `value` (sent to Grafana as secureJsonData only). */
export function withSecret(options: Options, key: string, value: string): Options {
  return { ...options, secureJsonData: { ...(options.secureJsonData ?? {}), [key]: value } };
}

/** Options with `key`'s stored secret removed: Grafana deletes it on save. */
export function withoutSecret(options: Options, key: string): Options {
  return {
    ...options,
    secureJsonFields: { ...(options.secureJsonFields ?? {}), [key]: false },
    secureJsonData: { ...(options.secureJsonData ?? {}), [key]: '' },
  };
}
