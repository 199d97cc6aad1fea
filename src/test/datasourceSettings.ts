/** The settings object Grafana's datasource settings page hands the ConfigEditor, for tests and the browser harness. */
import type { DataSourceSettings } from '@grafana/data';
import type { TributaryJsonData } from '../types';

export function datasourceSettings(jsonData: TributaryJsonData, uid = 'trib-uid'): DataSourceSettings<TributaryJsonData> {
  return {
    id: 1,
    uid,
    orgId: 1,
    name: 'Tributary',
    type: 'tributary-streaming-datasource',
    typeName: 'Tributary',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData,
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
  };
}
