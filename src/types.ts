import type { DataSourceJsonData } from '@grafana/data';
import type { TributarySettings } from './shared/settings';

/**
 * The datasource's jsonData as Grafana sees it: our settings (one shared definition) plus Grafana's
 * common jsonData keys. Settings may be missing on a freshly added datasource (defaults apply).
 */
export type TributaryJsonData = Partial<TributarySettings> & DataSourceJsonData;
