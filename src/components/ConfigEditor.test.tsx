import '../test/domPolyfills';
import React, { useState } from 'react';
import '@testing-library/jest-dom';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';

import { DEFAULT_BUFFER_SETTINGS, DEFAULT_MQTT_SETTINGS } from '../shared/mqtt';
import { DEFAULT_SETTINGS } from '../shared/settings';
import { validateSettings } from '../shared/validation';
import type { TributaryJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { datasourceSettings } from '../test/datasourceSettings';

/** Hosts the editor the way Grafana's settings page does: it owns the options and re-renders on change. */
function Host({
  initial,
  onSaved,
  secureJsonFields = {},
}: {
  initial: TributaryJsonData;
  onSaved: (o: DataSourceSettings<TributaryJsonData>) => void;
  secureJsonFields?: Record<string, boolean>;
}) {
  const [options, setOptions] = useState({ ...datasourceSettings(initial), secureJsonFields });
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(next) => {
        setOptions(next);
        onSaved(next);
      }}
    />
  );
}

/** The input of a setting, found by its visible label (Grafana's Field puts the description inside the label). */
function field(label: string): HTMLElement {
  const escaped = label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return screen.getByLabelText(new RegExp(`^${escaped}`));
}

/** Types `text` into a field the fast way (one input event), as pasting does. */
async function enter(label: string, text: string): Promise<void> {
  await userEvent.click(field(label));
  await userEvent.paste(text);
}

// The MQTT form is large: typing into it re-renders every Grafana UI field, slow on a busy machine.
jest.setTimeout(30_000);

describe('ConfigEditor', () => {
  it('shows every setting with its description and default', () => {
    render(<Host initial={{}} onSaved={jest.fn()} />);
    expect(field('Max series')).toHaveAttribute('placeholder', String(DEFAULT_SETTINGS.maxSeries));
    expect(field('Min interval (ms)')).toHaveAttribute('placeholder', String(DEFAULT_SETTINGS.minIntervalMs));
    expect(field('Max packets/s')).toHaveAttribute('placeholder', String(DEFAULT_SETTINGS.maxPacketsPerSecond));
    const description = 'Most packets per second pushed on one live channel; faster samples are batched. Default 20; allowed 1 to 100.';
    // Said once, under the label (no tooltip repeating it), and announced with the input.
    expect(screen.getAllByText(description)).toHaveLength(1);
    expect(field('Max packets/s')).toHaveAccessibleName(`Max packets/s ${description}`);
    // A signals datasource uses no secret, so no secure field is offered.
    expect(document.querySelector('input[type="password"]')).toBeNull();
  });

  it('round-trips settings: saved jsonData is what the backend accepts, and is shown again', async () => {
    const onSaved = jest.fn();
    const { unmount } = render(<Host initial={{ maxSeries: 10, manageAlerts: false }} onSaved={onSaved} />);
    expect(field('Max series')).toHaveValue('10');

    const rate = field('Max packets/s');
    await userEvent.type(rate, '50');
    await userEvent.tab();
    const saved = onSaved.mock.calls.at(-1)![0] as DataSourceSettings<TributaryJsonData>;
    expect(saved.jsonData).toEqual({ maxSeries: 10, manageAlerts: false, maxPacketsPerSecond: 50 });
    expect(validateSettings(saved.jsonData)).toEqual({
      settings: { ...DEFAULT_SETTINGS, maxSeries: 10, maxPacketsPerSecond: 50 },
      problems: [],
    });

    unmount();
    render(<Host initial={saved.jsonData} onSaved={jest.fn()} />);
    expect(field('Max packets/s')).toHaveValue('50');
    expect(field('Max series')).toHaveValue('10');
  });

  it('clearing a field removes the key so the default applies', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ minIntervalMs: 250 }} onSaved={onSaved} />);
    await userEvent.clear(field('Min interval (ms)'));
    await userEvent.tab();
    expect(onSaved.mock.calls.at(-1)![0].jsonData).toEqual({});
  });

  it('blocks out-of-range and fractional values with a visible message', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{}} onSaved={onSaved} />);
    const rate = field('Max packets/s');
    await userEvent.type(rate, '1000');
    await userEvent.tab();
    expect(screen.getByText('Max packets/s must be between 1 and 100')).toBeVisible();
    const series = field('Max series');
    await userEvent.type(series, '2.5{Enter}');
    expect(screen.getByText('Max series must be a whole number')).toBeVisible();
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('offers the source kinds, signals by default, with only the fields of the chosen kind', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ maxSeries: 10 }} onSaved={onSaved} />);
    expect(screen.getByRole('radio', { name: 'Signals (built-in generator)' })).toBeChecked();
    expect(screen.queryByLabelText(/^Broker URL/)).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('radio', { name: 'MQTT broker' }));
    const saved = onSaved.mock.calls.at(-1)![0] as DataSourceSettings<TributaryJsonData>;
    expect(saved.jsonData).toEqual({ maxSeries: 10, sourceKind: 'mqtt' });
    expect(field('Broker URL')).toHaveAttribute('placeholder', DEFAULT_MQTT_SETTINGS.url);
    expect(field('Client id').getAttribute('placeholder')).toMatch(/unique per backend process/);
    // The generator's query limits are gone; stream pacing applies to MQTT too.
    expect(screen.queryByLabelText(/^Max series/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/^Min interval/)).not.toBeInTheDocument();
    expect(field('Max packets/s')).toBeInTheDocument();
    // Buffer settings with their defaults shown.
    expect(field('Max age (s)')).toHaveAttribute('placeholder', String(DEFAULT_BUFFER_SETTINGS.maxAgeSeconds));
    expect(field('Max messages per topic filter')).toHaveAttribute('placeholder', String(DEFAULT_BUFFER_SETTINGS.maxMessages));
    expect(field('Memory cap (MiB)')).toHaveAttribute('placeholder', String(DEFAULT_BUFFER_SETTINGS.maxMemoryMiB));
    expect(field('Idle grace (s)')).toHaveAttribute('placeholder', String(DEFAULT_BUFFER_SETTINGS.idleGraceSeconds));
    expect(field('Keepalive (s)')).toHaveAttribute('placeholder', String(DEFAULT_MQTT_SETTINGS.keepaliveSeconds));

    // Back to signals: the MQTT fields disappear, the limits return.
    await userEvent.click(screen.getByRole('radio', { name: 'Signals (built-in generator)' }));
    expect(screen.queryByLabelText(/^Broker URL/)).not.toBeInTheDocument();
    expect(field('Max series')).toHaveValue('10');
  });

  it('stores MQTT connection settings in jsonData.mqtt and buffer settings in jsonData.buffer', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ sourceKind: 'mqtt', manageAlerts: false }} onSaved={onSaved} />);
    await enter('Broker URL', 'mqtts://broker.example:8883');
    await enter('Username', 'grafana');
    await enter('Test topic', 'sensors/#');
    await userEvent.type(field('Keepalive (s)'), '15');
    await userEvent.tab();
    await userEvent.click(screen.getByRole('radio', { name: '1 (at least once)' }));
    await userEvent.type(field('Max age (s)'), '600{Enter}');
    const saved = onSaved.mock.calls.at(-1)![0] as DataSourceSettings<TributaryJsonData>;
    expect(saved.jsonData).toEqual({
      sourceKind: 'mqtt',
      manageAlerts: false,
      mqtt: { url: 'mqtts://broker.example:8883', username: 'grafana', testTopic: 'sensors/#', keepaliveSeconds: 15, qos: 1 },
      buffer: { maxAgeSeconds: 600 },
    });
    expect(saved.secureJsonData ?? {}).toEqual({});
  });

  it('sends the password and TLS material as secureJsonData only, never in jsonData', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ sourceKind: 'mqtt' }} onSaved={onSaved} />);
    await userEvent.type(field('Password'), 's3cret-pw');
    await enter('CA certificate', '-----BEGIN CERTIFICATE-----\nMIIB-ca\n-----END CERTIFICATE-----');
    await enter('Client certificate', '-----BEGIN CERTIFICATE-----\nMIIB-client');
    await enter('Client key', '-----BEGIN PRIVATE KEY-----\nkey-material');
    const saved = onSaved.mock.calls.at(-1)![0] as DataSourceSettings<TributaryJsonData>;
    expect(saved.secureJsonData).toEqual({
      password: 's3cret-pw',
      tlsCACert: '-----BEGIN CERTIFICATE-----\nMIIB-ca\n-----END CERTIFICATE-----',
      tlsClientCert: '-----BEGIN CERTIFICATE-----\nMIIB-client',
      tlsClientKey: '-----BEGIN PRIVATE KEY-----\nkey-material',
    });
    const visible = JSON.stringify(saved.jsonData);
    for (const secret of ['s3cret-pw', 'MIIB', 'key-material']) expect(visible).not.toContain(secret);
    expect(field('Password')).toHaveAttribute('type', 'password');
  });

  it('shows a stored secret as configured, and reset clears it', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ sourceKind: 'mqtt' }} secureJsonFields={{ password: true, tlsCACert: true }} onSaved={onSaved} />);
    expect(field('Password')).toHaveValue('configured');
    expect(field('Password')).toBeDisabled();
    const resets = screen.getAllByRole('button', { name: 'Reset' });
    expect(resets).toHaveLength(2);
    await userEvent.click(resets[0]);
    const saved = onSaved.mock.calls.at(-1)![0] as DataSourceSettings<TributaryJsonData>;
    expect(saved.secureJsonFields).toEqual({ password: false, tlsCACert: true });
    expect(saved.secureJsonData).toEqual({ password: '' });
    expect(field('Password')).toBeEnabled();
    expect(field('Password')).toHaveValue('');
  });

  it('skip-verify is off by default; turning it on shows a warning', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ sourceKind: 'mqtt' }} onSaved={onSaved} />);
    const toggle = screen.getByLabelText(/^Skip certificate verification/);
    expect(toggle).not.toBeChecked();
    expect(screen.queryByText('Certificate verification is off')).not.toBeInTheDocument();
    await userEvent.click(toggle);
    expect(onSaved.mock.calls.at(-1)![0].jsonData.mqtt).toEqual({ tlsSkipVerify: true });
    const warning = screen.getByRole('alert');
    expect(within(warning).getByText('Certificate verification is off')).toBeVisible();
    expect(warning).toHaveTextContent(/anyone between Grafana and the broker/);
  });

  it('checks the broker URL and numeric MQTT settings with clear messages', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ sourceKind: 'mqtt', mqtt: { reconnectMaxMs: 1000 } }} onSaved={onSaved} />);
    await enter('Broker URL', 'http://broker:1883');
    expect(screen.getByText('Broker URL must start with mqtt://, mqtts://, ws://, wss:// (got http://)')).toBeVisible();

    await userEvent.type(field('Keepalive (s)'), '70000{Enter}');
    expect(screen.getByText('Keepalive (s) must be between 0 and 65535')).toBeVisible();
    await userEvent.type(field('Reconnect backoff min (ms)'), '5000{Enter}');
    expect(screen.getByText('Reconnect backoff min (ms) must not exceed the max (1000)')).toBeVisible();
    await userEvent.type(field('Memory cap (MiB)'), '0.5{Enter}');
    expect(screen.getByText('Memory cap (MiB) must be a whole number')).toBeVisible();
    // Only the URL text was stored (the user is typing it); no invalid number was.
    const saved = onSaved.mock.calls.at(-1)![0] as DataSourceSettings<TributaryJsonData>;
    expect(saved.jsonData.mqtt).toEqual({ reconnectMaxMs: 1000, url: 'http://broker:1883' });
    expect(saved.jsonData.buffer).toBeUndefined();
  });
});
