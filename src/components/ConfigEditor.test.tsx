import '../test/domPolyfills';
import React, { useState } from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';

import { DEFAULT_SETTINGS } from '../shared/settings';
import { validateSettings } from '../shared/validation';
import type { TributaryJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { datasourceSettings } from '../test/datasourceSettings';

/** Hosts the editor the way Grafana's settings page does: it owns the options and re-renders on change. */
function Host({ initial, onSaved }: { initial: TributaryJsonData; onSaved: (o: DataSourceSettings<TributaryJsonData>) => void }) {
  const [options, setOptions] = useState(datasourceSettings(initial));
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
    // No secret is used by the backend, so no secure field is offered.
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
});
