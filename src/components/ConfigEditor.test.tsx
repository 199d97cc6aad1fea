import '../test/domPolyfills';
import React, { useState } from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';

import { DEFAULT_SETTINGS, SETTINGS_DESCRIPTIONS } from '../shared/settings';
import { validateSettings } from '../shared/validation';
import type { TributaryJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

function settings(jsonData: TributaryJsonData): DataSourceSettings<TributaryJsonData> {
  return {
    id: 1,
    uid: 'trib-uid',
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

/** Hosts the editor the way Grafana's settings page does: it owns the options and re-renders on change. */
function Host({ initial, onSaved }: { initial: TributaryJsonData; onSaved: (o: DataSourceSettings<TributaryJsonData>) => void }) {
  const [options, setOptions] = useState(settings(initial));
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

describe('ConfigEditor', () => {
  it('shows every setting with its description and default', () => {
    render(<Host initial={{}} onSaved={jest.fn()} />);
    expect(screen.getByLabelText('Max series')).toHaveAttribute('placeholder', String(DEFAULT_SETTINGS.maxSeries));
    expect(screen.getByLabelText('Min interval (ms)')).toHaveAttribute('placeholder', String(DEFAULT_SETTINGS.minIntervalMs));
    expect(screen.getByLabelText('Max packets/s')).toHaveAttribute('placeholder', String(DEFAULT_SETTINGS.maxPacketsPerSecond));
    expect(screen.getByText(`${SETTINGS_DESCRIPTIONS.maxPacketsPerSecond} Default: ${DEFAULT_SETTINGS.maxPacketsPerSecond}.`)).toBeVisible();
    // No secret is used by the backend, so no secure field is offered.
    expect(document.querySelector('input[type="password"]')).toBeNull();
  });

  it('round-trips settings: saved jsonData is what the backend accepts, and is shown again', async () => {
    const onSaved = jest.fn();
    const { unmount } = render(<Host initial={{ maxSeries: 10, manageAlerts: false }} onSaved={onSaved} />);
    expect(screen.getByLabelText('Max series')).toHaveValue('10');

    const rate = screen.getByLabelText('Max packets/s');
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
    expect(screen.getByLabelText('Max packets/s')).toHaveValue('50');
    expect(screen.getByLabelText('Max series')).toHaveValue('10');
  });

  it('clearing a field removes the key so the default applies', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{ minIntervalMs: 250 }} onSaved={onSaved} />);
    await userEvent.clear(screen.getByLabelText('Min interval (ms)'));
    await userEvent.tab();
    expect(onSaved.mock.calls.at(-1)![0].jsonData).toEqual({});
  });

  it('blocks out-of-range and fractional values with a visible message', async () => {
    const onSaved = jest.fn();
    render(<Host initial={{}} onSaved={onSaved} />);
    const rate = screen.getByLabelText('Max packets/s');
    await userEvent.type(rate, '1000');
    await userEvent.tab();
    expect(screen.getByText('maxPacketsPerSecond must be between 1 and 100')).toBeVisible();
    const series = screen.getByLabelText('Max series');
    await userEvent.type(series, '2.5{Enter}');
    expect(screen.getByText('maxSeries must be a whole number')).toBeVisible();
    expect(onSaved).not.toHaveBeenCalled();
  });
});
