import '../test/domPolyfills';
import React, { useState } from 'react';
import '@testing-library/jest-dom';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';

import { DEFAULT_BUFFER_SETTINGS } from '../shared/mqtt';
import type { TributaryQuery } from '../shared/query';
import type { WebSourceKind } from '../shared/webSourceChecks';
import { DEFAULT_HTTP_POLL_SETTINGS, DEFAULT_SSE_SETTINGS, DEFAULT_WEBSOCKET_SETTINGS } from '../shared/webSources';
import { datasourceSettings } from '../test/datasourceSettings';
import { fakeBackendSrv, makeDataSource } from '../test/grafana';
import type { TributaryJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { QueryEditor } from './QueryEditor';

type Options = DataSourceSettings<TributaryJsonData>;

/** Hosts the config editor the way Grafana's settings page does: it owns the options and re-renders on change. */
function ConfigHost({ initial, onSaved, secureJsonFields = {} }: { initial: TributaryJsonData; onSaved: (o: Options) => void; secureJsonFields?: Record<string, boolean> }) {
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

function field(label: string): HTMLElement {
  const escaped = label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return screen.getByLabelText(new RegExp(`^${escaped}`));
}

function queryField(label: string): HTMLElement | null {
  const escaped = label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return screen.queryByLabelText(new RegExp(`^${escaped}`));
}

async function enter(element: HTMLElement, text: string): Promise<void> {
  await userEvent.click(element);
  await userEvent.paste(text);
}

function renderConfig(initial: TributaryJsonData, secureJsonFields: Record<string, boolean> = {}) {
  const onSaved = jest.fn();
  render(<ConfigHost initial={initial} onSaved={onSaved} secureJsonFields={secureJsonFields} />);
  return { onSaved, saved: () => onSaved.mock.calls.at(-1)![0] as Options };
}

/** Lets Grafana UI's deferred updates (tooltips, selects) land inside act(). */
async function settle(): Promise<void> {
  await act(async () => {});
}

// Every keystroke re-renders Grafana UI fields: slow on a busy machine.
jest.setTimeout(30_000);

const KIND_FIELDS: Record<WebSourceKind, string[]> = {
  websocket: ['Connect message', 'Max message size (bytes)', 'Ping interval (s)'],
  sse: ['Events', 'Max event size (characters)', 'Idle timeout (s)'],
  'http-poll': ['Poll interval (ms)', 'Minimum interval (ms)', 'Rows path', 'Skip repeated rows', 'Max response size (bytes)'],
};
const DEFAULT_URLS: Record<WebSourceKind, string> = {
  websocket: DEFAULT_WEBSOCKET_SETTINGS.url,
  sse: DEFAULT_SSE_SETTINGS.url,
  'http-poll': DEFAULT_HTTP_POLL_SETTINGS.url,
};
const SETTINGS_KEY = { websocket: 'websocket', sse: 'sse', 'http-poll': 'httpPoll' } as const;
const KINDS: WebSourceKind[] = ['websocket', 'sse', 'http-poll'];

describe('ConfigEditor of a web source', () => {
  it.each(KINDS)('%s: shows its own fields, the shared TLS, connection and buffer fields, and nothing of other kinds', async (kind) => {
    renderConfig({ sourceKind: kind });
    expect(field('URL')).toHaveAttribute('placeholder', DEFAULT_URLS[kind]);
    for (const label of KIND_FIELDS[kind]) expect(field(label)).toBeInTheDocument();
    for (const other of KINDS.filter((k) => k !== kind)) {
      for (const label of KIND_FIELDS[other].filter((l) => !KIND_FIELDS[kind].includes(l))) expect(queryField(label)).not.toBeInTheDocument();
    }
    for (const label of ['CA certificate', 'Client certificate', 'Client key', 'Skip certificate verification', 'Allow redirects to other hosts', 'Connect timeout (ms)']) {
      expect(field(label)).toBeInTheDocument();
    }
    expect(field('Max age (s)')).toHaveAttribute('placeholder', String(DEFAULT_BUFFER_SETTINGS.maxAgeSeconds));
    // Nothing of MQTT or of the generator.
    for (const label of ['Broker URL', 'Client id', 'Password', 'Test topic', 'Max series']) expect(queryField(label)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add header' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add query parameter' })).toBeInTheDocument();
    await settle();
  });

  it.each([
    ['websocket', 'http://feed.example/v1', 'URL must start with ws:// or wss:// (got http://)'],
    ['sse', 'ws://feed.example/events', 'URL must start with http:// or https:// (got ws://)'],
    ['http-poll', 'https://user:pw@api.example/data.json', 'Put credentials in a secret header, not in the URL'],
  ] as const)('%s: checks the URL (%s)', async (kind, url, message) => {
    const { saved } = renderConfig({ sourceKind: kind });
    await enter(field('URL'), url);
    expect(screen.getByText(message)).toBeVisible();
    expect(saved().jsonData[SETTINGS_KEY[kind]]).toEqual({ url });
  });

  it('a secret header and a secret query parameter go to secureJsonData under the documented keys only', async () => {
    const { saved } = renderConfig({ sourceKind: 'websocket', websocket: { url: 'wss://feed.example/v1' } });
    await userEvent.click(screen.getByRole('button', { name: 'Add header' }));
    await enter(screen.getByLabelText('header 1 name'), 'Authorization');
    await enter(screen.getByLabelText('header 1 value'), 'Bearer abc123');
    await userEvent.click(screen.getByLabelText('header 1 secret'));
    await userEvent.click(screen.getByRole('button', { name: 'Add header' }));
    await enter(screen.getByLabelText('header 2 name'), 'Accept-Language');
    await enter(screen.getByLabelText('header 2 value'), 'en');
    await userEvent.click(screen.getByRole('button', { name: 'Add query parameter' }));
    await userEvent.click(screen.getByLabelText('query parameter 1 secret'));
    await enter(screen.getByLabelText('query parameter 1 name'), 'token');
    await enter(screen.getByLabelText('query parameter 1 value'), 'q-s3cret');

    const options = saved();
    expect(options.jsonData.websocket).toEqual({
      url: 'wss://feed.example/v1',
      headers: [
        { name: 'Authorization', secret: true },
        { name: 'Accept-Language', value: 'en' },
      ],
      queryParams: [{ name: 'token', secret: true }],
    });
    expect(options.secureJsonData).toMatchObject({ 'header:authorization': 'Bearer abc123', 'query:token': 'q-s3cret' });
    const visible = JSON.stringify(options.jsonData);
    for (const secret of ['abc123', 'q-s3cret']) expect(visible).not.toContain(secret);
    // The secret value is a password input.
    expect(screen.getByLabelText('header 1 value')).toHaveAttribute('type', 'password');
  });

  it('a stored secret header shows as configured; turning secret off or removing the row deletes it', async () => {
    const { saved } = renderConfig(
      {
        sourceKind: 'http-poll',
        httpPoll: {
          headers: [
            { name: 'X-Api-Key', secret: true },
            { name: 'Authorization', secret: true },
          ],
        },
      },
      { 'header:x-api-key': true, 'header:authorization': true }
    );
    expect(screen.getByLabelText('header 1 value')).toHaveValue('configured');
    await userEvent.click(screen.getByLabelText('header 1 secret'));
    expect(saved().jsonData.httpPoll!.headers![0]).toEqual({ name: 'X-Api-Key', value: '' });
    expect(saved().secureJsonFields['header:x-api-key']).toBe(false);
    expect(saved().secureJsonData).toEqual({ 'header:x-api-key': '' });

    await userEvent.click(screen.getByRole('button', { name: 'Remove header 2' }));
    expect(saved().jsonData.httpPoll!.headers).toEqual([{ name: 'X-Api-Key', value: '' }]);
    expect(saved().secureJsonFields).toEqual({ 'header:x-api-key': false, 'header:authorization': false });
  });

  it('says when a header name is not a header name or is listed twice', async () => {
    renderConfig({ sourceKind: 'sse', sse: { headers: [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }, { name: 'bad name', value: '3' }] } });
    expect(screen.getByText('"x-a" is listed twice')).toBeVisible();
    expect(screen.getByText('"bad name" is not a valid HTTP header name')).toBeVisible();
    await settle();
  });

  it('TLS material goes to secureJsonData; skip-verify warns about the server', async () => {
    const { saved } = renderConfig({ sourceKind: 'sse' });
    await enter(field('CA certificate'), '-----BEGIN CERTIFICATE-----\nMIIB-ca');
    await enter(field('Client key'), '-----BEGIN PRIVATE KEY-----\nkey-material');
    expect(saved().secureJsonData).toEqual({ tlsCACert: '-----BEGIN CERTIFICATE-----\nMIIB-ca', tlsClientKey: '-----BEGIN PRIVATE KEY-----\nkey-material' });
    expect(JSON.stringify(saved().jsonData)).not.toContain('MIIB');
    expect(screen.queryByText('Certificate verification is off')).not.toBeInTheDocument();
    await userEvent.click(field('Skip certificate verification'));
    expect(saved().jsonData.sse).toEqual({ tlsSkipVerify: true });
    expect(screen.getByText('Certificate verification is off').closest('[role="alert"]')).toHaveTextContent(/anyone between Grafana and the server/);
  });

  it('websocket: the connect message is stored as typed', async () => {
    const { saved } = renderConfig({ sourceKind: 'websocket' });
    await enter(field('Connect message'), '{"op":"subscribe","channel":"ticker"}');
    expect(saved().jsonData.websocket).toEqual({ connectMessage: '{"op":"subscribe","channel":"ticker"}' });
  });

  it('sse: events are a list; the Last-Event-ID replay is explained', async () => {
    const { saved } = renderConfig({ sourceKind: 'sse' });
    expect(screen.getByText(/Every reconnect sends Last-Event-ID/)).toBeVisible();
    // Typed key by key: the comma survives until the field is left.
    await userEvent.type(field('Events'), 'reading, status ,');
    expect(field('Events')).toHaveValue('reading, status ,');
    await userEvent.tab();
    expect(saved().jsonData.sse).toEqual({ events: ['reading', 'status'] });
    expect(field('Events')).toHaveValue('reading, status');
  });

  it('http-poll: the interval respects the minimum interval; the body is offered for POST and PUT only', async () => {
    const { onSaved, saved } = renderConfig({ sourceKind: 'http-poll', httpPoll: { minIntervalMs: 5000 } });
    await userEvent.type(field('Poll interval (ms)'), '2000{Enter}');
    expect(screen.getByText('Poll interval (ms) must be at least the minimum interval (5000)')).toBeVisible();
    // Not stored while out of range.
    expect(onSaved).not.toHaveBeenCalled();
    await userEvent.clear(field('Poll interval (ms)'));
    await userEvent.type(field('Poll interval (ms)'), '50{Enter}');
    expect(screen.getByText('Poll interval (ms) must be between 100 and 86400000')).toBeVisible();
    await userEvent.clear(field('Poll interval (ms)'));
    await userEvent.type(field('Poll interval (ms)'), '15000{Enter}');
    expect(saved().jsonData.httpPoll).toEqual({ minIntervalMs: 5000, intervalMs: 15000 });

    expect(queryField('Body')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: 'POST' }));
    await enter(screen.getByLabelText(/^Body\s*Sent/), '{"q":"all"}');
    await enter(field('Rows path'), 'data.items');
    await userEvent.click(field('Allow redirects to other hosts'));
    expect(saved().jsonData.httpPoll).toEqual({
      minIntervalMs: 5000,
      intervalMs: 15000,
      method: 'POST',
      body: '{"q":"all"}',
      rowsPath: 'data.items',
      allowCrossHostRedirects: true,
    });
  });

  it('switching kind keeps the other kinds’ settings and shows only the new kind’s fields', async () => {
    const { saved } = renderConfig({ sourceKind: 'websocket', websocket: { url: 'ws://a/ws' } });
    await userEvent.click(screen.getByRole('radio', { name: 'HTTP polling (JSON)' }));
    expect(saved().jsonData).toEqual({ sourceKind: 'http-poll', websocket: { url: 'ws://a/ws' } });
    expect(queryField('Connect message')).not.toBeInTheDocument();
    expect(field('Rows path')).toBeInTheDocument();
  });
});

/** Hosts the query editor like a panel editor: it owns the query and re-renders with every change. */
function QueryHost({ jsonData, initial, onChange }: { jsonData: TributaryJsonData; initial: Partial<TributaryQuery>; onChange: jest.Mock }) {
  const [datasource] = useState(() => makeDataSource(jsonData));
  const [query, setQuery] = useState({ refId: 'A', ...datasource.getDefaultQuery(0 as never), ...initial } as TributaryQuery);
  return (
    <QueryEditor
      query={query}
      datasource={datasource}
      onChange={(next) => {
        onChange(next);
        setQuery(next);
      }}
      onRunQuery={jest.fn()}
    />
  );
}

function renderQuery(jsonData: TributaryJsonData, initial: Partial<TributaryQuery> = {}) {
  const backend = fakeBackendSrv((req) => {
    throw new Error(`unexpected request ${req.url}`);
  });
  const onChange = jest.fn();
  render(<QueryHost jsonData={jsonData} initial={initial} onChange={onChange} />);
  return { backend, last: () => onChange.mock.calls.at(-1)![0] as TributaryQuery };
}

const QUERY_FIELDS: Record<WebSourceKind, string[]> = {
  websocket: ['Path', 'Connect message'],
  sse: ['Path', 'Events'],
  'http-poll': ['Path', 'Method', 'Poll interval (ms)', 'Rows path'],
};

describe('QueryEditor of a web source', () => {
  it.each(KINDS)('%s: its own query fields, the shared payload mapping editor and With Streaming; no topic', async (kind) => {
    const { backend } = renderQuery({ sourceKind: kind });
    for (const label of QUERY_FIELDS[kind]) expect(screen.getByLabelText(label)).toBeInTheDocument();
    for (const other of KINDS.filter((k) => k !== kind)) {
      for (const label of QUERY_FIELDS[other].filter((l) => !QUERY_FIELDS[kind].includes(l))) expect(screen.queryByLabelText(label)).not.toBeInTheDocument();
    }
    const mapping = screen.getByTestId('tributary-payload-mapping');
    expect(within(mapping).getByRole('radio', { name: 'JSON' })).toBeChecked();
    expect(within(mapping).getByLabelText('Topic labels')).toBeInTheDocument();
    expect(screen.getByLabelText('With Streaming')).toBeChecked();
    expect(screen.queryByLabelText('Topic')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Signal')).not.toBeInTheDocument();
    await act(async () => {});
    expect(backend.requests).toEqual([]);
  });

  it('websocket: path and connect message are stored in the query; the mapping edits query.mapping', async () => {
    const { last } = renderQuery({ sourceKind: 'websocket' });
    await enter(screen.getByLabelText('Path'), '/v2/feed');
    await userEvent.tab();
    await enter(screen.getByLabelText('Connect message'), '{"op":"subscribe","symbols":["$symbol"]}');
    await userEvent.tab();
    await userEvent.click(screen.getByRole('radio', { name: 'Payload field' }));
    await enter(screen.getByLabelText('Time field'), 'time');
    await userEvent.tab();
    await userEvent.click(screen.getByLabelText('With Streaming'));
    expect(last()).toMatchObject({
      path: '/v2/feed',
      connectMessage: '{"op":"subscribe","symbols":["$symbol"]}',
      mapping: { format: 'json', timeSource: 'payload', timeField: 'time' },
      withStreaming: false,
    });
  });

  it('sse: events are a list; clearing them leaves the datasource’s list in charge', async () => {
    const { last } = renderQuery({ sourceKind: 'sse' });
    await enter(screen.getByLabelText('Events'), 'metrics, deploy');
    await userEvent.tab();
    expect(last().events).toEqual(['metrics', 'deploy']);
    await userEvent.clear(screen.getByLabelText('Events'));
    await userEvent.tab();
    expect(last().events).toBeUndefined();
    expect(JSON.parse(JSON.stringify(last()))).not.toHaveProperty('events');
  });

  it('http-poll: the interval may not go below the datasource’s minimum; body only for POST/PUT', async () => {
    const { last } = renderQuery({ sourceKind: 'http-poll', httpPoll: { minIntervalMs: 3000, intervalMs: 6000 } });
    expect(screen.getByLabelText('Poll interval (ms)')).toHaveAttribute('placeholder', '6000');
    await userEvent.type(screen.getByLabelText('Poll interval (ms)'), '1000{Enter}');
    expect(screen.getByText("Poll interval (ms) must be at least 3000 (the datasource's minimum interval)")).toBeVisible();
    await userEvent.clear(screen.getByLabelText('Poll interval (ms)'));
    await userEvent.type(screen.getByLabelText('Poll interval (ms)'), '4000{Enter}');
    await enter(screen.getByLabelText('Rows path'), 'data.rows');
    await userEvent.tab();
    expect(last()).toMatchObject({ pollIntervalMs: 4000, rowsPath: 'data.rows' });
    expect(screen.queryByLabelText('Body')).not.toBeInTheDocument();
  });

  it('http-poll: a POST datasource offers the body', async () => {
    renderQuery({ sourceKind: 'http-poll', httpPoll: { method: 'POST' } });
    expect(screen.getByLabelText('Body')).toBeInTheDocument();
    await settle();
  });
});
