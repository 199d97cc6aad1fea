import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { DEFAULT_MESSAGE_QUERY } from '../queryDefaults';
import type { PayloadMapping } from '../shared/mapping';
import type { TributaryQuery } from '../shared/query';
import { topicFilterError } from '../shared/topicFilter';
import { MAX_ALIAS_LENGTH } from '../shared/validation';
import { isWebSourceKind, type WebSourceKind } from '../shared/webSourceChecks';
import type { TributaryJsonData } from '../types';
import { PayloadMappingEditor } from './PayloadMappingEditor';
import { TextField } from './TextField';
import { WebQueryFields } from './WebQueryFields';

export type Props = QueryEditorProps<DataSource, TributaryQuery, TributaryJsonData>;

const LABEL_WIDTH = 16;

/** Template variables are replaced before the query is sent, so only variable-free text is checked here. */
function topicError(text: string): string | undefined {
  return text.includes('$') ? undefined : topicFilterError(text.trim());
}

/** What a message's topic (the series, the `{{topic}}` placeholder, the topic labels) is for a web kind. */
const WEB_TOPIC: Record<WebSourceKind, string> = {
  websocket: 'the URL path (/v1/feed)',
  sse: 'the event name (message for events without an event: line)',
  'http-poll': 'the URL path (/api/readings)',
};

/**
 * The query editor of a message source (MQTT, WebSocket, SSE, HTTP polling): what to read (the
 * kind's own fields), how payloads become rows (the shared mapping editor), the series names, and
 * "With Streaming", which means the same for every kind.
 */
export function MessageQueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const kind = datasource.sourceKind;
  const current: TributaryQuery = { ...(DEFAULT_MESSAGE_QUERY as TributaryQuery), ...query };
  const refId = query.refId;
  const update = (patch: Partial<TributaryQuery>) => {
    onChange({ ...current, ...patch });
    onRunQuery();
  };

  return (
    <div data-testid="tributary-query-editor">
      {isWebSourceKind(kind) ? (
        <WebQueryFields
          kind={kind}
          refId={refId}
          query={current}
          httpPollSettings={datasource.jsonData.httpPoll}
          labelWidth={LABEL_WIDTH}
          onChange={update}
        />
      ) : (
        <InlineFieldRow>
          <TextField
            id={`tributary-topic-${refId}`}
            label="Topic"
            labelWidth={LABEL_WIDTH}
            width={48}
            tooltip="MQTT topic filter: + matches one level, # the rest (sensors/+/env, sensors/#). Dashboard variables such as $device are replaced. Every concrete topic under a wildcard is its own series."
            value={current.topic === '' ? undefined : current.topic}
            placeholder="e.g. sensors/+/env"
            validate={topicError}
            onCommit={(topic) => update({ topic: topic?.trim() ?? '' })}
          />
        </InlineFieldRow>
      )}
      <PayloadMappingEditor
        idPrefix={refId}
        mapping={current.mapping}
        labelWidth={LABEL_WIDTH}
        topicLabelsTooltip={
          isWebSourceKind(kind)
            ? `A pattern that names parts of the topic, here ${WEB_TOPIC[kind]}: /sensors/{device} gives each series the label device. Topics that do not match get no labels.`
            : undefined
        }
        onChange={(mapping: PayloadMapping) => update({ mapping })}
      />
      <InlineFieldRow>
        <TextField
          id={`tributary-alias-${refId}`}
          label="Alias"
          labelWidth={LABEL_WIDTH}
          width={40}
          tooltip="Series name. Placeholders: {{topic}}, {{field}} and every topic label, e.g. {{device}}. Dashboard variables such as $site are replaced. Empty: the field's path, labelled by topic."
          value={current.alias}
          placeholder="e.g. {{device}} {{field}}"
          validate={(text) => (text.length > MAX_ALIAS_LENGTH ? `Alias must be at most ${MAX_ALIAS_LENGTH} characters` : undefined)}
          onCommit={(alias) => update({ alias })}
        />
        <InlineField
          label="With Streaming"
          labelWidth={20}
          htmlFor={`tributary-with-streaming-${refId}`}
          tooltip="Off: the messages buffered for the time range. On: the same, then new messages arrive live through Grafana Live, with no gap and no duplicate."
        >
          <InlineSwitch
            id={`tributary-with-streaming-${refId}`}
            value={current.withStreaming}
            onChange={(event) => update({ withStreaming: event.currentTarget.checked })}
          />
        </InlineField>
      </InlineFieldRow>
    </div>
  );
}
