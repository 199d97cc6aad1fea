/** The ConfigEditor as Grafana's datasource settings page hosts it: it owns the options. */
import React, { useState } from 'react';

import { ConfigEditor } from '../../../../src/components/ConfigEditor';
import { datasourceSettings } from '../../../../src/test/datasourceSettings';

const initial = datasourceSettings({ maxSeries: 20 }, 'tributary');

export function ConfigEditorView() {
  const [options, setOptions] = useState(initial);
  return (
    <div data-testid="tributary-config-editor" style={{ width: 600 }}>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
    </div>
  );
}
