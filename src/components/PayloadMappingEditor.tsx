import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Select } from '@grafana/ui';

import {
  DEFAULT_MAPPING,
  MAPPING_LIMITS,
  TIME_FORMATS,
  type PayloadFormat,
  type PayloadMapping,
  type TimeFormat,
  type TimeSource,
} from '../shared/mapping';
import { fieldListError, parseFieldList, pathLengthError, topicPatternError } from '../shared/mappingChecks';
import { TextField } from './TextField';

export interface PayloadMappingEditorProps {
  /** Makes the DOM ids unique when several editors share a page (e.g. the query's refId). */
  idPrefix: string;
  /** The stored mapping; missing keys take DEFAULT_MAPPING's values. */
  mapping: PayloadMapping | undefined;
  onChange: (mapping: PayloadMapping) => void;
  labelWidth?: number;
  /** What a message's topic is for this source kind (MQTT topic, URL path, event name), for the topic labels tooltip. */
  topicLabelsTooltip?: string;
}

const FORMAT_OPTIONS: Array<SelectableValue<PayloadFormat>> = [
  { label: 'JSON', value: 'json', description: 'Parse the payload; nested objects become dotted field names' },
  { label: 'Number', value: 'number', description: 'The whole payload is one number' },
  { label: 'Text', value: 'text', description: 'The payload as a string field' },
];

const TIME_SOURCE_OPTIONS: Array<SelectableValue<TimeSource>> = [
  { label: 'Arrival', value: 'arrival', description: 'When the backend received the message' },
  { label: 'Payload field', value: 'payload', description: "A field of the message's own (JSON) payload" },
];

const TIME_FORMAT_LABELS: Record<TimeFormat, string> = {
  auto: 'Auto (ISO-8601 text, or epoch by magnitude)',
  'epoch-s': 'Epoch seconds',
  'epoch-ms': 'Epoch milliseconds',
  'epoch-us': 'Epoch microseconds',
  'epoch-ns': 'Epoch nanoseconds',
  iso8601: 'ISO-8601 / RFC 3339 text',
};

const TIME_FORMAT_OPTIONS: Array<SelectableValue<TimeFormat>> = TIME_FORMATS.map((f) => ({ label: TIME_FORMAT_LABELS[f], value: f }));

const MQTT_TOPIC_LABELS_TOOLTIP =
  'A pattern that names topic levels: sensors/{device}/env gives each series the label device. {rest...} as the last level takes the remaining levels. Topics that do not match get no labels.';

/**
 * How message payloads become rows: format, explicit field paths, time source and the topic
 * pattern that turns topic levels into labels. One component for every message source kind.
 */
export function PayloadMappingEditor({ idPrefix, mapping, onChange, labelWidth = 16, topicLabelsTooltip = MQTT_TOPIC_LABELS_TOOLTIP }: PayloadMappingEditorProps) {
  const current: PayloadMapping = { ...DEFAULT_MAPPING, ...mapping };
  const id = (name: string) => `tributary-mapping-${name}-${idPrefix}`;
  const update = (patch: Partial<PayloadMapping>) => {
    const next: PayloadMapping = { ...current, ...patch };
    // Optional keys left empty are removed, so the stored query stays minimal.
    for (const key of ['fields', 'timeField', 'topicPattern'] as const) {
      const value = next[key];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) {
        delete next[key];
      }
    }
    onChange(next);
  };
  const isJson = current.format === 'json';
  const fromPayload = current.timeSource === 'payload';

  return (
    <div data-testid="tributary-payload-mapping">
      <InlineFieldRow>
        <InlineField label="Payload" labelWidth={labelWidth} tooltip="How each message's payload is read.">
          <RadioButtonGroup<PayloadFormat>
            id={id('format')}
            options={FORMAT_OPTIONS}
            value={current.format}
            // Only JSON payloads carry a time field or named fields.
            onChange={(format) => update(format === 'json' ? { format } : { format, timeSource: 'arrival', fields: undefined })}
          />
        </InlineField>
        {isJson && (
          <TextField
            id={id('fields')}
            label="Fields"
            labelWidth={12}
            width={40}
            tooltip={`Comma-separated paths to keep, in order (a.b, list[0].x). Empty: every value, nested objects flattened to dotted names (depth ≤ ${MAPPING_LIMITS.maxDepth}, ≤ ${MAPPING_LIMITS.maxFieldsPerSeries} fields).`}
            value={current.fields?.join(', ')}
            placeholder="all fields (e.g. env.temp, env.humidity)"
            validate={(text) => fieldListError(parseFieldList(text))}
            onCommit={(text) => update({ fields: text === undefined ? undefined : parseFieldList(text) })}
          />
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Time" labelWidth={labelWidth} tooltip="Which time each row gets.">
          <RadioButtonGroup<TimeSource>
            id={id('time-source')}
            options={isJson ? TIME_SOURCE_OPTIONS : TIME_SOURCE_OPTIONS.filter((o) => o.value === 'arrival')}
            value={isJson ? current.timeSource : 'arrival'}
            onChange={(timeSource) => update({ timeSource })}
          />
        </InlineField>
        {isJson && fromPayload && (
          <>
            <TextField
              id={id('time-field')}
              label="Time field"
              labelWidth={14}
              width={16}
              tooltip="Path of the payload's time, e.g. ts or meta.time. Messages without it are rejected and counted."
              value={current.timeField}
              placeholder="ts"
              validate={(text) => (text.trim() === '' ? 'Time field is required when the time comes from the payload' : pathLengthError('Time field', text))}
              onCommit={(timeField) => update({ timeField })}
            />
            <InlineField label="Format" labelWidth={10} htmlFor={id('time-format')} tooltip="How the time field is read.">
              <Select<TimeFormat>
                inputId={id('time-format')}
                width={44}
                options={TIME_FORMAT_OPTIONS}
                value={current.timeFormat ?? 'auto'}
                onChange={(option) => option.value && update({ timeFormat: option.value })}
              />
            </InlineField>
          </>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <TextField
          id={id('topic-pattern')}
          label="Topic labels"
          labelWidth={labelWidth}
          width={40}
          tooltip={topicLabelsTooltip}
          value={current.topicPattern}
          placeholder="e.g. sensors/{device}/env"
          validate={topicPatternError}
          onCommit={(topicPattern) => update({ topicPattern })}
        />
      </InlineFieldRow>
    </div>
  );
}
