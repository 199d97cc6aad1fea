import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Select } from '@grafana/ui';

import { numberRangeError } from '../shared/ranges';
import { HTTP_POLL_RANGES, parseEventList, type WebSourceKind } from '../shared/webSourceChecks';
import { DEFAULT_HTTP_POLL_SETTINGS, HTTP_POLL_METHODS, type HttpPollMethod, type HttpPollSettings } from '../shared/webSources';
import type { TributaryQuery } from '../shared/query';
import { NumberField } from './NumberField';
import { TextField } from './TextField';

export interface WebQueryFieldsProps {
  kind: WebSourceKind;
  refId: string;
  query: TributaryQuery;
  /** The datasource's polling settings: the interval floor and the defaults shown as placeholders. */
  httpPollSettings?: Partial<HttpPollSettings>;
  labelWidth: number;
  onChange: (patch: Partial<TributaryQuery>) => void;
}

const PATH_TOOLTIP =
  'Resolved against the datasource URL, with its own query string if you like (/feed?symbol=ABC). It must stay on the configured host. Dashboard variables such as $device are replaced. Empty: the datasource URL.';

/**
 * The query fields of a web source: the path every kind may choose, plus the WebSocket connect
 * message, the SSE event filter or the polling request overrides. Empty fields are left out of the
 * query (undefined), so the datasource's settings apply.
 */
export function WebQueryFields({ kind, refId, query, httpPollSettings = {}, labelWidth, onChange }: WebQueryFieldsProps) {
  const id = (name: string) => `tributary-${kind}-${name}-${refId}`;
  const pathField = (
    <TextField
      id={id('path')}
      label="Path"
      labelWidth={labelWidth}
      width={48}
      tooltip={PATH_TOOLTIP}
      value={query.path}
      placeholder="the datasource URL"
      onCommit={(path) => onChange({ path: path?.trim() })}
    />
  );

  if (kind === 'websocket') {
    return (
      <>
        <InlineFieldRow>{pathField}</InlineFieldRow>
        <InlineFieldRow>
          <TextField
            id={id('connect-message')}
            label="Connect message"
            labelWidth={labelWidth}
            width={64}
            tooltip="Sent after every connect and reconnect, e.g. a subscribe command; dashboard variables are replaced. Queries with the same path and message share one connection. Empty: the datasource's connect message."
            value={query.connectMessage}
            placeholder={'the datasource\'s (e.g. {"op":"subscribe","channel":"$symbol"})'}
            onCommit={(connectMessage) => onChange({ connectMessage })}
          />
        </InlineFieldRow>
      </>
    );
  }

  if (kind === 'sse') {
    return (
      <InlineFieldRow>
        {pathField}
        <TextField
          id={id('events')}
          label="Events"
          labelWidth={10}
          width={32}
          tooltip="Comma-separated event names to keep (an event without an event: line is named message). Each event name is its own series. Empty: the datasource's list."
          value={query.events?.join(', ')}
          placeholder="the datasource's list"
          onCommit={(text) => {
            const events = text === undefined ? [] : parseEventList(text);
            onChange({ events: events.length === 0 ? undefined : events });
          }}
        />
      </InlineFieldRow>
    );
  }

  const floor = httpPollSettings.minIntervalMs ?? DEFAULT_HTTP_POLL_SETTINGS.minIntervalMs;
  const defaultMethod = httpPollSettings.method ?? DEFAULT_HTTP_POLL_SETTINGS.method;
  const method = query.method ?? defaultMethod;
  const methodOptions: Array<SelectableValue<HttpPollMethod | ''>> = [
    { label: `Datasource's (${defaultMethod})`, value: '' },
    ...HTTP_POLL_METHODS.map((m) => ({ label: m, value: m })),
  ];
  return (
    <>
      <InlineFieldRow>
        {pathField}
        <InlineField label="Method" labelWidth={10} htmlFor={id('method')}>
          <Select<HttpPollMethod | ''>
            inputId={id('method')}
            width={24}
            options={methodOptions}
            value={query.method ?? ''}
            onChange={(option) => onChange({ method: option.value === '' ? undefined : option.value })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <NumberField
          id={id('interval')}
          label="Poll interval (ms)"
          labelWidth={labelWidth}
          width={16}
          tooltip={`Time between the end of a poll and the next. At least ${floor} ms (the datasource's minimum). Empty: the datasource's interval.`}
          value={query.pollIntervalMs}
          placeholder={String(httpPollSettings.intervalMs ?? DEFAULT_HTTP_POLL_SETTINGS.intervalMs)}
          allowEmpty
          validate={(value) =>
            numberRangeError('Poll interval (ms)', value, HTTP_POLL_RANGES.intervalMs) ??
            (value < floor ? `Poll interval (ms) must be at least ${floor} (the datasource's minimum interval)` : undefined)
          }
          onCommit={(pollIntervalMs) => onChange({ pollIntervalMs })}
        />
        <TextField
          id={id('rows-path')}
          label="Rows path"
          labelWidth={12}
          width={32}
          tooltip="Path to the rows in the JSON answer (data.items, result[0].rows). An array gives a row per element, an object one row. Empty: the datasource's rows path."
          value={query.rowsPath}
          placeholder={httpPollSettings.rowsPath || "the datasource's"}
          onCommit={(rowsPath) => onChange({ rowsPath: rowsPath?.trim() })}
        />
      </InlineFieldRow>
      {method !== 'GET' && (
        <InlineFieldRow>
          <TextField
            id={id('body')}
            label="Body"
            labelWidth={labelWidth}
            width={64}
            tooltip="Request body sent with POST or PUT; dashboard variables are replaced. Empty: the datasource's body."
            value={query.body}
            placeholder="the datasource's body"
            onCommit={(body) => onChange({ body })}
          />
        </InlineFieldRow>
      )}
    </>
  );
}
