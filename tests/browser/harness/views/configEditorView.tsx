/** The ConfigEditor as Grafana's datasource settings page hosts it: it owns the options. */
import React, { useState } from 'react';
import type { DataSourceSettings } from '@grafana/data';

import { ConfigEditor } from '../../../../src/components/ConfigEditor';
import type { TributaryJsonData } from '../../../../src/types';

const initial: DataSourceSettings<TributaryJsonData> = {
  id: 1,
  uid: 'tributary',
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
  isDefault: true,
  jsonData: { maxSeries: 20 },
  secureJsonFields: {},
  readOnly: false,
  withCredentials: false,
};

export function ConfigEditorView() {
  const [options, setOptions] = useState(initial);
  return (
    <div data-testid="tributary-config-editor" style={{ width: 600 }}>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
    </div>
  );
}
