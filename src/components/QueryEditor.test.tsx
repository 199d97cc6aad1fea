import '../test/domPolyfills';
import React from 'react';
import '@testing-library/jest-dom';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DEFAULT_QUERY, SIGNALS, type TributaryQuery } from '../shared/query';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { fakeBackendSrv, makeDataSource } from '../test/grafana';
import { QueryEditor } from './QueryEditor';

function setup(query: Partial<TributaryQuery> = {}, jsonData = {}, signalsResource: unknown = SIGNALS) {
  const backend = fakeBackendSrv((req) => {
    if (req.url.endsWith('/resources/signals')) {
      if (signalsResource instanceof Error) {
        throw signalsResource;
      }
      return signalsResource;
    }
    throw new Error(`unexpected request ${req.url}`);
  });
  const datasource = makeDataSource(jsonData);
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const full: TributaryQuery = { refId: 'A', ...DEFAULT_QUERY, ...query };
  const utils = render(<QueryEditor query={full} datasource={datasource} onChange={onChange} onRunQuery={onRunQuery} />);
  return { ...utils, onChange, onRunQuery, datasource, query: full, backend };
}

describe('QueryEditor', () => {
  it('renders every control with an accessible label', async () => {
    setup();
    expect(screen.getByLabelText('Signal')).toBeInTheDocument();
    expect(screen.getByLabelText('Series')).toHaveValue(String(DEFAULT_QUERY.seriesCount));
    expect(screen.getByLabelText('Interval (ms)')).toHaveValue(String(DEFAULT_QUERY.sampleIntervalMs));
    expect(screen.getByLabelText('Amplitude')).toBeInTheDocument();
    expect(screen.getByLabelText('Offset')).toBeInTheDocument();
    expect(screen.getByLabelText('Period (ms)')).toBeInTheDocument();
    expect(screen.getByLabelText('Alias')).toBeInTheDocument();
    expect(screen.getByLabelText('With Streaming')).toBeChecked();
    await act(async () => {});
  });

  it('flips withStreaming and re-runs the query when the switch is clicked', async () => {
    const { onChange, onRunQuery } = setup({ withStreaming: false });
    const toggle = screen.getByLabelText('With Streaming');
    expect(toggle).not.toBeChecked();
    await userEvent.click(toggle);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls[0][0]).toMatchObject({ refId: 'A', withStreaming: true, signal: DEFAULT_QUERY.signal });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('sends a valid number on blur and re-runs the query', async () => {
    const { onChange, onRunQuery } = setup();
    const series = screen.getByLabelText('Series');
    await userEvent.clear(series);
    await userEvent.type(series, '5');
    await userEvent.tab();
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ seriesCount: 5 }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('stores the interval as sampleIntervalMs, leaving the name intervalMs to Grafana', async () => {
    const { onChange } = setup();
    const interval = screen.getByLabelText('Interval (ms)');
    await userEvent.clear(interval);
    await userEvent.type(interval, '250');
    await userEvent.tab();
    expect(onChange).toHaveBeenCalledTimes(1);
    const saved = onChange.mock.calls[0][0] as Record<string, unknown>;
    expect(saved.sampleIntervalMs).toBe(250);
    expect(saved).not.toHaveProperty('intervalMs');
  });

  it('blocks an out-of-range value with a visible message', async () => {
    const { onChange, onRunQuery } = setup();
    const interval = screen.getByLabelText('Interval (ms)');
    await userEvent.clear(interval);
    await userEvent.type(interval, '1{Enter}');
    await userEvent.tab();
    expect(screen.getByText('Interval (ms) must be between 10 and 3600000')).toBeVisible();
    expect(interval).toHaveAttribute('aria-invalid', 'true');
    expect(onChange).not.toHaveBeenCalled();
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('rejects text that is not a number', async () => {
    const { onChange } = setup();
    const amplitude = screen.getByLabelText('Amplitude');
    await userEvent.clear(amplitude);
    await userEvent.type(amplitude, 'lots');
    await userEvent.tab();
    expect(screen.getByText('"lots" is not a number')).toBeVisible();
    expect(onChange).not.toHaveBeenCalled();
  });

  it("narrows the series range to the datasource's maxSeries setting", async () => {
    const { onChange } = setup({}, { maxSeries: 4 });
    const series = screen.getByLabelText('Series');
    await userEvent.clear(series);
    await userEvent.type(series, '5');
    await userEvent.tab();
    expect(screen.getByText('Series must be between 1 and 4')).toBeVisible();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('hides the period for non-periodic signals', async () => {
    setup({ signal: 'random-walk' });
    expect(screen.queryByLabelText('Period (ms)')).not.toBeInTheDocument();
    await act(async () => {});
  });

  it('offers the signals the backend resource lists and sends the chosen one', async () => {
    const { onChange, onRunQuery } = setup({}, {}, { signals: [{ kind: 'square', label: 'Square wave (backend)', description: 'from the backend', periodic: true }] });
    const select = screen.getByLabelText('Signal');
    await userEvent.click(select);
    const option = await screen.findByText('Square wave (backend)');
    expect(screen.queryByText('Sawtooth')).not.toBeInTheDocument();
    await userEvent.click(option);
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ signal: 'square' }));
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('falls back to the shared signal list when the resource fails', async () => {
    const { backend } = setup({}, {}, Object.assign(new Error('Internal Server Error'), { status: 500 }));
    await waitFor(() => expect(backend.requests.map((r) => r.url)).toContain('/api/datasources/uid/trib-uid/resources/signals'));
    const select = screen.getByLabelText('Signal');
    await userEvent.click(select);
    const menu = await screen.findByText('Sawtooth');
    expect(menu).toBeInTheDocument();
    for (const s of SIGNALS) {
      expect(within(document.body).getAllByText(s.label).length).toBeGreaterThan(0);
    }
  });

  it('lets a dashboard variable pick the signal', async () => {
    setTemplateSrv({ getVariables: () => [{ name: 'shape' }], replace: (t: string) => t } as unknown as TemplateSrv);
    try {
      const { onChange } = setup({ signal: 'random-walk' });
      expect(screen.queryByLabelText('Period (ms)')).not.toBeInTheDocument();
      await userEvent.click(screen.getByLabelText('Signal'));
      await userEvent.click(await screen.findByText('$shape'));
      expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ signal: '$shape' }));
    } finally {
      setTemplateSrv(undefined as unknown as TemplateSrv);
    }
  });

  it('keeps the period editable when a variable picks the signal', async () => {
    setup({ signal: '$shape' as TributaryQuery['signal'] });
    expect(screen.getByLabelText('Period (ms)')).toBeInTheDocument();
    expect(screen.getByText('$shape')).toBeInTheDocument();
    await act(async () => {});
  });

  it('commits the alias on blur', async () => {
    const { onChange } = setup();
    await userEvent.type(screen.getByLabelText('Alias'), 'room $room');
    await userEvent.tab();
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ alias: 'room $room' }));
  });
});
