/** The ConfigEditor as Grafana's datasource settings page hosts it: it owns the options. */
import React, { useState } from 'react';

import { ConfigEditor } from '../../../../src/components/ConfigEditor';
import { datasourceSettings } from '../../../../src/test/datasourceSettings';

// `?kind=mqtt`: an MQTT datasource whose password is already stored (Grafana reports it as configured).
const mqtt = new URLSearchParams(window.location.search).get('kind') === 'mqtt';
const initial = mqtt
  ? { ...datasourceSettings({ sourceKind: 'mqtt', mqtt: { url: 'mqtts://broker.example:8883', username: 'grafana' } }, 'tributary-mqtt'), secureJsonFields: { password: true } }
  : datasourceSettings({ maxSeries: 20 }, 'tributary');

export function ConfigEditorView() {
  const [options, setOptions] = useState(initial);
  return (
    <div data-testid="tributary-config-editor" style={{ width: 600 }}>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
    </div>
  );
}
