import type { DataSourceJsonData } from '@grafana/data';
import type { TributaryDatasourceSettings } from './shared/settings';

/**
 * The datasource's jsonData as Grafana sees it: our settings (one shared definition: limits, source
 * kind, message source and buffer settings) plus Grafana's common jsonData keys. Every key may be
 * missing on a freshly added datasource (defaults apply).
 */
export type TributaryJsonData = Partial<TributaryDatasourceSettings> & DataSourceJsonData;
