import React, { useState, type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Alert, Field, FieldSet, Input, RadioButtonGroup, Switch, TextArea } from '@grafana/ui';

import {
  HTTP_POLL_RANGES,
  SSE_RANGES,
  WEB_ENDPOINT_RANGES,
  WEB_SETTINGS_KEY,
  WEB_URL_SCHEMES,
  WEBSOCKET_RANGES,
  parseEventList,
  webUrlError,
  type WebSourceKind,
} from '../shared/webSourceChecks';
import {
  DEFAULT_HTTP_POLL_SETTINGS,
  DEFAULT_SSE_SETTINGS,
  DEFAULT_WEBSOCKET_SETTINGS,
  HTTP_POLL_METHODS,
  type HttpPollMethod,
  type HttpPollSettings,
  type NameValue,
  type SseSettings,
  type WebSocketSettings,
} from '../shared/webSources';
import type { NumericRange } from '../shared/ranges';
import type { TributaryJsonData } from '../types';
import { NameValueEditor, type SecretChange } from './NameValueEditor';
import { secretState, withoutSecret, withSecret } from './secureJsonData';
import { SettingNumberField } from './SettingNumberField';
import { TlsConfigEditor } from './TlsConfigEditor';

export type Props = DataSourcePluginOptionsEditorProps<TributaryJsonData> & { kind: WebSourceKind };

/** Every key any web kind has: the editor edits one kind's object, typed as the union of all. */
type AnyWebSettings = Partial<WebSocketSettings & SseSettings & HttpPollSettings>;
type NumberKey = {
  [K in keyof AnyWebSettings]-?: NonNullable<AnyWebSettings[K]> extends number ? K : never;
}[keyof AnyWebSettings];

interface NumberSpec {
  key: NumberKey;
  label: string;
  description: string;
  range: NumericRange;
}

const DEFAULTS: Record<WebSourceKind, AnyWebSettings> = {
  websocket: DEFAULT_WEBSOCKET_SETTINGS,
  sse: DEFAULT_SSE_SETTINGS,
  'http-poll': DEFAULT_HTTP_POLL_SETTINGS,
};

const TITLES: Record<WebSourceKind, string> = { websocket: 'WebSocket', sse: 'Server-Sent Events', 'http-poll': 'HTTP polling' };

const URL_DESCRIPTIONS: Record<WebSourceKind, string> = {
  websocket: 'ws://host/path or wss://host/path (TLS). A query may choose another path on this host, never another host.',
  sse: 'http:// or https:// URL of the event stream. A query may choose another path on this host, never another host.',
  'http-poll': 'http:// or https:// URL answering JSON. A query may choose another path on this host, never another host.',
};

const CONNECTION_NUMBERS: readonly NumberSpec[] = [
  { key: 'connectTimeoutMs', label: 'Connect timeout (ms)', description: 'An attempt with no handshake or response headers by then fails.', range: WEB_ENDPOINT_RANGES.connectTimeoutMs },
  {
    key: 'reconnectMinMs',
    label: 'Reconnect backoff min (ms)',
    description: 'First delay before retrying; doubled after each failed attempt, with jitter.',
    range: WEB_ENDPOINT_RANGES.reconnectMinMs,
  },
  { key: 'reconnectMaxMs', label: 'Reconnect backoff max (ms)', description: 'Longest delay between attempts.', range: WEB_ENDPOINT_RANGES.reconnectMaxMs },
];

const LIMIT_NUMBERS: Record<WebSourceKind, readonly NumberSpec[]> = {
  websocket: [
    {
      key: 'maxMessageBytes',
      label: 'Max message size (bytes)',
      description: 'A bigger message closes the connection (code 1009) with an error saying so; then it reconnects.',
      range: WEBSOCKET_RANGES.maxMessageBytes,
    },
    {
      key: 'pingIntervalSeconds',
      label: 'Ping interval (s)',
      description: 'A ping every interval; no pong by the next one: the connection is treated as lost and reopened. 0: off.',
      range: WEBSOCKET_RANGES.pingIntervalSeconds,
    },
  ],
  sse: [
    {
      key: 'maxEventBytes',
      label: 'Max event size (characters)',
      description: 'Longest line and event; a longer event is dropped and counted, the stream stays.',
      range: SSE_RANGES.maxEventBytes,
    },
    {
      key: 'idleTimeoutSeconds',
      label: 'Idle timeout (s)',
      description: "Nothing received (not even a comment) for this long: the stream is reopened. Set it above the server's heartbeat. 0: off.",
      range: SSE_RANGES.idleTimeoutSeconds,
    },
  ],
  'http-poll': [
    {
      key: 'maxResponseBytes',
      label: 'Max response size (bytes)',
      description: 'A bigger answer fails the poll with an error saying so.',
      range: HTTP_POLL_RANGES.maxResponseBytes,
    },
  ],
};

/**
 * The SSE event filter as comma-separated text. The text is a draft until the field loses focus (or
 * Enter): parsing on every keystroke would swallow the comma being typed.
 */
function EventListInput({ id, value, onCommit }: { id: string; value: string[]; onCommit: (events: string[]) => void }) {
  const shown = value.join(', ');
  const [draft, setDraft] = useState(shown);
  const [lastShown, setLastShown] = useState(shown);
  // A new value from outside (another kind's switch, a reset) replaces the draft.
  if (lastShown !== shown) {
    setLastShown(shown);
    setDraft(shown);
  }
  const commit = () => {
    const events = parseEventList(draft);
    if (events.join(', ') !== shown) {
      onCommit(events);
    }
  };
  return (
    <Input
      id={id}
      width={60}
      value={draft}
      placeholder="every event (e.g. reading, status)"
      onChange={(event: ChangeEvent<HTMLInputElement>) => setDraft(event.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(event) => event.key === 'Enter' && commit()}
    />
  );
}

/**
 * Settings of a WebSocket, SSE or HTTP polling source (jsonData.websocket / sse / httpPoll): the URL,
 * headers and query parameters (secret ones in secureJsonData), the kind's own fields, TLS, redirects
 * and reconnecting. Only the chosen kind's fields are shown.
 */
export function WebSourceConfigEditor({ kind, options, onOptionsChange }: Props) {
  const jsonData: TributaryJsonData = options.jsonData ?? {};
  const settingsKey = WEB_SETTINGS_KEY[kind];
  const current: AnyWebSettings = (jsonData[settingsKey] as AnyWebSettings | undefined) ?? {};
  const defaults = DEFAULTS[kind];
  const secrets = secretState(options);
  const idPrefix = `tributary-${kind}`;

  const withSettings = (base: typeof options, patch: AnyWebSettings) => {
    const next: AnyWebSettings = { ...current, ...patch };
    // Empty optional text and cleared numbers are removed: the defaults apply.
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || value === '') {
        delete next[key as keyof AnyWebSettings];
      }
    }
    return { ...base, jsonData: { ...jsonData, [settingsKey]: next } };
  };
  const set = (patch: AnyWebSettings) => onOptionsChange(withSettings(options, patch));
  const setRows = (key: 'headers' | 'queryParams', rows: NameValue[], changes: SecretChange[]) => {
    let next = withSettings(options, { [key]: rows });
    for (const change of changes) {
      next = 'reset' in change ? withoutSecret(next, change.key) : withSecret(next, change.key, change.value);
    }
    onOptionsChange(next);
  };

  const effective = <K extends NumberKey>(key: K): number => (current[key] ?? defaults[key]) as number;
  const crossCheck = (key: NumberKey, value: number): string | undefined => {
    if (key === 'reconnectMinMs' && value > effective('reconnectMaxMs')) {
      return `Reconnect backoff min (ms) must not exceed the max (${effective('reconnectMaxMs')})`;
    }
    if (key === 'reconnectMaxMs' && value < effective('reconnectMinMs')) {
      return `Reconnect backoff max (ms) must be at least the min (${effective('reconnectMinMs')})`;
    }
    if (key === 'intervalMs' && value < effective('minIntervalMs')) {
      return `Poll interval (ms) must be at least the minimum interval (${effective('minIntervalMs')})`;
    }
    if (key === 'minIntervalMs' && value > effective('intervalMs')) {
      return `Minimum interval (ms) must not exceed the poll interval (${effective('intervalMs')})`;
    }
    return undefined;
  };
  const numberField = ({ key, label, description, range }: NumberSpec) => (
    <SettingNumberField
      key={key}
      id={`${idPrefix}-${key}`}
      label={label}
      description={description}
      defaultValue={defaults[key] as number}
      range={range}
      value={current[key] as number | undefined}
      validate={(value) => crossCheck(key, value)}
      onCommit={(value) => set({ [key]: value })}
    />
  );

  const url = current.url ?? '';
  const urlError = url === '' ? undefined : webUrlError(kind, url);
  const tlsSchemes = WEB_URL_SCHEMES[kind][1];
  const method: HttpPollMethod = current.method ?? DEFAULT_HTTP_POLL_SETTINGS.method;

  return (
    <>
      <FieldSet label={TITLES[kind]}>
        <Field label="URL" description={URL_DESCRIPTIONS[kind]} htmlFor={`${idPrefix}-url`} invalid={urlError !== undefined} error={urlError} required>
          <Input
            id={`${idPrefix}-url`}
            width={60}
            value={url}
            placeholder={defaults.url}
            onChange={(event: ChangeEvent<HTMLInputElement>) => set({ url: event.currentTarget.value.trim() })}
          />
        </Field>
        <Field
          label="Headers"
          description="Sent with every request (the WebSocket handshake, the event stream, each poll). Mark a value secret for tokens and API keys: it is stored encrypted and never sent to another host."
        >
          <NameValueEditor kind="header" idPrefix={`${idPrefix}-header`} rows={current.headers ?? []} secrets={secrets} onChange={(rows, changes) => setRows('headers', rows, changes)} />
        </Field>
        <Field label="Query parameters" description="Added to the URL of every request; never shown in messages, logs or stream names.">
          <NameValueEditor kind="query" idPrefix={`${idPrefix}-query`} rows={current.queryParams ?? []} secrets={secrets} onChange={(rows, changes) => setRows('queryParams', rows, changes)} />
        </Field>
        {kind === 'websocket' && (
          <Field
            label="Connect message"
            description="Sent after every connect and reconnect, e.g. a subscribe command. A query's own connect message replaces it. Empty: nothing is sent."
            htmlFor={`${idPrefix}-connectMessage`}
          >
            <TextArea
              id={`${idPrefix}-connectMessage`}
              rows={3}
              cols={60}
              value={current.connectMessage ?? ''}
              placeholder='e.g. {"op":"subscribe","channel":"ticker"}'
              onChange={(event: ChangeEvent<HTMLTextAreaElement>) => set({ connectMessage: event.currentTarget.value })}
            />
          </Field>
        )}
        {kind === 'sse' && (
          <>
            <Field
              label="Events"
              description="Comma-separated event names to keep (an event without an event: line is named message). A query's own list replaces it. Empty: every event."
              htmlFor={`${idPrefix}-events`}
            >
              <EventListInput id={`${idPrefix}-events`} value={current.events ?? []} onCommit={(events) => set({ events })} />
            </Field>
            <Alert severity="info" title="Replay after a reconnect">
              Every reconnect sends Last-Event-ID with the id of the last event received, so a server that keeps its history
              sends what was missed and the buffer has no gap. A retry: field from the server stretches the reconnect delay.
            </Alert>
          </>
        )}
        {kind === 'http-poll' && (
          <>
            <Field label="Method" description="A query may choose another.">
              <RadioButtonGroup<HttpPollMethod>
                options={HTTP_POLL_METHODS.map((m) => ({ label: m, value: m }))}
                value={method}
                onChange={(value) => set({ method: value })}
              />
            </Field>
            {method !== 'GET' && (
              <>
                <Field label="Body" description="Sent with every POST or PUT." htmlFor={`${idPrefix}-body`}>
                  <TextArea
                    id={`${idPrefix}-body`}
                    rows={3}
                    cols={60}
                    value={current.body ?? ''}
                    onChange={(event: ChangeEvent<HTMLTextAreaElement>) => set({ body: event.currentTarget.value })}
                  />
                </Field>
                <Field label="Body content type" description={`Default ${DEFAULT_HTTP_POLL_SETTINGS.bodyContentType}.`} htmlFor={`${idPrefix}-bodyContentType`}>
                  <Input
                    id={`${idPrefix}-bodyContentType`}
                    width={40}
                    value={current.bodyContentType ?? ''}
                    placeholder={DEFAULT_HTTP_POLL_SETTINGS.bodyContentType}
                    onChange={(event: ChangeEvent<HTMLInputElement>) => set({ bodyContentType: event.currentTarget.value.trim() })}
                  />
                </Field>
              </>
            )}
            {numberField({
              key: 'intervalMs',
              label: 'Poll interval (ms)',
              description: 'Time between the end of a poll and the next; a query may choose its own.',
              range: HTTP_POLL_RANGES.intervalMs,
            })}
            {numberField({
              key: 'minIntervalMs',
              label: 'Minimum interval (ms)',
              description: 'Floor of every interval: a query asking for less gets this.',
              range: HTTP_POLL_RANGES.minIntervalMs,
            })}
            <Field
              label="Rows path"
              description="Path to the rows in the JSON answer (data.items, result[0].rows). An array gives a row per element, an object one row. Empty: the answer itself."
              htmlFor={`${idPrefix}-rowsPath`}
            >
              <Input
                id={`${idPrefix}-rowsPath`}
                width={40}
                value={current.rowsPath ?? ''}
                placeholder="the whole answer"
                onChange={(event: ChangeEvent<HTMLInputElement>) => set({ rowsPath: event.currentTarget.value.trim() })}
              />
            </Field>
            <Field
              label="Skip repeated rows"
              description="A row equal to one already seen (every value, its time included) is not added again, so a 'last 100 readings' endpoint adds only new rows. Off: every poll gives a point."
              htmlFor={`${idPrefix}-dedupeRows`}
            >
              <Switch
                id={`${idPrefix}-dedupeRows`}
                value={current.dedupeRows ?? DEFAULT_HTTP_POLL_SETTINGS.dedupeRows}
                onChange={(event) => set({ dedupeRows: event.currentTarget.checked })}
              />
            </Field>
            {(current.dedupeRows ?? DEFAULT_HTTP_POLL_SETTINGS.dedupeRows) &&
              numberField({ key: 'dedupeWindow', label: 'Rows remembered', description: 'How many distinct rows are remembered for skipping repeats.', range: HTTP_POLL_RANGES.dedupeWindow })}
            <p>Conditional requests are automatic: an ETag or Last-Modified from the server is sent back, and a 304 adds nothing.</p>
          </>
        )}
      </FieldSet>
      <TlsConfigEditor
        idPrefix={idPrefix}
        peer="server"
        usedWith={`Used with ${tlsSchemes}// URLs.`}
        secrets={secrets}
        onSecretChange={(key, value) => onOptionsChange(withSecret(options, key, value))}
        onSecretReset={(key) => onOptionsChange(withoutSecret(options, key))}
        skipVerify={current.tlsSkipVerify === true}
        onSkipVerifyChange={(tlsSkipVerify) => set({ tlsSkipVerify })}
      />
      <FieldSet label="Connection">
        <Field
          label="Allow redirects to other hosts"
          description="Off: a redirect to another host, or from an encrypted to a plain URL, fails with an error and no request reaches that host. On: followed, but secret headers are never sent to another host."
          htmlFor={`${idPrefix}-allowCrossHostRedirects`}
        >
          <Switch
            id={`${idPrefix}-allowCrossHostRedirects`}
            value={current.allowCrossHostRedirects === true}
            onChange={(event) => set({ allowCrossHostRedirects: event.currentTarget.checked })}
          />
        </Field>
        {CONNECTION_NUMBERS.map(numberField)}
        {LIMIT_NUMBERS[kind].map(numberField)}
      </FieldSet>
    </>
  );
}
