import '../test/domPolyfills';
import React, { useState } from 'react';
import '@testing-library/jest-dom';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DEFAULT_MAPPING } from '../shared/mapping';
import type { TributaryQuery } from '../shared/query';
import { fakeBackendSrv, makeDataSource } from '../test/grafana';
import { QueryEditor } from './QueryEditor';

/** Hosts the editor like a panel editor: it owns the query and re-renders with every change. */
function Host({ initial, onChange, onRunQuery }: { initial: Partial<TributaryQuery>; onChange: jest.Mock; onRunQuery: jest.Mock }) {
  const datasource = makeDataSource({ sourceKind: 'mqtt', mqtt: { url: 'mqtt://broker:1883' } });
  const [query, setQuery] = useState({ refId: 'A', ...datasource.getDefaultQuery(0 as never), ...initial } as TributaryQuery);
  return (
    <QueryEditor
      query={query}
      datasource={datasource}
      onChange={(next) => {
        onChange(next);
        setQuery(next);
      }}
      onRunQuery={onRunQuery}
    />
  );
}

function setup(initial: Partial<TributaryQuery> = {}) {
  const backend = fakeBackendSrv((req) => {
    throw new Error(`unexpected request ${req.url}`);
  });
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const utils = render(<Host initial={initial} onChange={onChange} onRunQuery={onRunQuery} />);
  const last = () => onChange.mock.calls.at(-1)![0] as TributaryQuery;
  return { ...utils, onChange, onRunQuery, backend, last };
}

// Each keystroke re-renders Grafana UI fields: slow on a busy machine.
jest.setTimeout(30_000);

describe('QueryEditor of an MQTT datasource', () => {
  it('shows the topic, the payload mapping, alias and With Streaming, and nothing of the generator', async () => {
    const { backend } = setup();
    expect(screen.getByLabelText('Topic')).toHaveAttribute('placeholder', 'e.g. sensors/+/env');
    expect(screen.getByRole('radio', { name: 'JSON' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'Arrival' })).toBeChecked();
    expect(screen.getByLabelText('Fields')).toBeInTheDocument();
    expect(screen.getByLabelText('Topic labels')).toBeInTheDocument();
    expect(screen.getByLabelText('Alias').getAttribute('placeholder')).toContain('{{device}}');
    expect(screen.getByLabelText('With Streaming')).toBeChecked();
    for (const label of ['Signal', 'Series', 'Interval (ms)', 'Amplitude', 'Period (ms)']) {
      expect(screen.queryByLabelText(label)).not.toBeInTheDocument();
    }
    // The generator's signal list is not fetched for a message source.
    await act(async () => {});
    expect(backend.requests).toEqual([]);
  });

  it('sends a wildcard topic filter and re-runs the query', async () => {
    const { onChange, onRunQuery, last } = setup();
    await userEvent.type(screen.getByLabelText('Topic'), 'sensors/+/env{Enter}');
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(last()).toEqual({ refId: 'A', topic: 'sensors/+/env', mapping: DEFAULT_MAPPING, withStreaming: true });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('accepts template variables in the topic and blocks malformed wildcards', async () => {
    const { onChange, last } = setup();
    const topic = screen.getByLabelText('Topic');
    await userEvent.type(topic, 'sensors/#/env');
    await userEvent.tab();
    expect(screen.getByText("'#' must be the whole last level of a topic filter (e.g. sensors/#)")).toBeVisible();
    expect(topic).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(topic);
    await userEvent.type(topic, 'sensors/temp+/env{Enter}');
    expect(screen.getByText("'+' must be a whole level of a topic filter (e.g. sensors/+/env)")).toBeVisible();
    expect(onChange).not.toHaveBeenCalled();

    await userEvent.clear(topic);
    await userEvent.type(topic, 'sensors/$device/env{Enter}');
    expect(last().topic).toBe('sensors/$device/env');
  });

  it('round-trips the payload mapping: fields, payload time, topic labels, alias', async () => {
    const { last, unmount } = setup({ topic: 'sensors/+/env' });
    await userEvent.type(screen.getByLabelText('Fields'), 'env.temperature, env.humidity{Enter}');
    await userEvent.click(screen.getByRole('radio', { name: 'Payload field' }));
    // The time field is required once the time comes from the payload.
    expect(screen.getByText('Time field is required when the time comes from the payload')).toBeVisible();
    await userEvent.type(screen.getByLabelText('Time field'), 'ts{Enter}');
    await userEvent.type(screen.getByLabelText('Topic labels'), 'sensors/{{device}/env{Enter}');
    await userEvent.type(screen.getByLabelText('Alias'), '{{{{device}} $site{Enter}');
    await userEvent.click(screen.getByLabelText('Format'));
    await userEvent.click(await screen.findByText('Epoch milliseconds'));

    const saved = last();
    expect(saved).toEqual({
      refId: 'A',
      topic: 'sensors/+/env',
      withStreaming: true,
      alias: '{{device}} $site',
      mapping: {
        format: 'json',
        fields: ['env.temperature', 'env.humidity'],
        timeSource: 'payload',
        timeField: 'ts',
        timeFormat: 'epoch-ms',
        topicPattern: 'sensors/{device}/env',
      },
    });

    // Opened again (a saved dashboard), the editor shows what was stored.
    unmount();
    setup(saved);
    expect(screen.getByLabelText('Topic')).toHaveValue('sensors/+/env');
    expect(screen.getByLabelText('Fields')).toHaveValue('env.temperature, env.humidity');
    expect(screen.getByRole('radio', { name: 'Payload field' })).toBeChecked();
    expect(screen.getByLabelText('Time field')).toHaveValue('ts');
    expect(screen.getByText('Epoch milliseconds')).toBeInTheDocument();
    expect(screen.getByLabelText('Topic labels')).toHaveValue('sensors/{device}/env');
    expect(screen.getByLabelText('Alias')).toHaveValue('{{device}} $site');
    // Let Grafana UI's Select settle (its menu portal and icons load asynchronously).
    await act(async () => {});
  });

  it('a bare number or text payload has no fields and takes the arrival time', async () => {
    const { last } = setup({ topic: 'power/main/watts', mapping: { format: 'json', timeSource: 'payload', timeField: 'ts', fields: ['a'] } });
    expect(screen.getByLabelText('Time field')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: 'Number' }));
    expect(last().mapping).toEqual({ format: 'number', timeSource: 'arrival', timeField: 'ts', timeFormat: 'auto' });
    expect(screen.queryByLabelText('Fields')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Time field')).not.toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Payload field' })).not.toBeInTheDocument();
  });

  it('rejects a malformed topic pattern and too many field paths', async () => {
    const { onChange } = setup();
    await userEvent.type(screen.getByLabelText('Topic labels'), 'sensors/dev{{id}/env{Enter}');
    expect(screen.getByText('Topic pattern: "dev{id}" must be a whole level like {device} (a name of letters, digits and _)')).toBeVisible();
    await userEvent.click(screen.getByLabelText('Fields'));
    await userEvent.paste(Array.from({ length: 65 }, (_, i) => `f${i}`).join(','));
    await userEvent.tab();
    expect(screen.getByText('Fields: at most 64 paths (got 65)')).toBeVisible();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('flips With Streaming', async () => {
    const { last } = setup({ topic: 't' });
    await userEvent.click(screen.getByLabelText('With Streaming'));
    expect(last().withStreaming).toBe(false);
  });
});
