import React, { useEffect, useMemo, useState } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineFieldRow, InlineSwitch, Input, Select } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { DEFAULT_QUERY, SIGNALS, type NumericQueryKey, type SignalInfo, type SignalKind, type TributaryQuery } from '../shared/query';
import { numberRangeError } from '../shared/ranges';
import { MAX_ALIAS_LENGTH, queryRangesFor, validateSettings } from '../shared/validation';
import type { TributaryJsonData } from '../types';
import { NumberField } from './NumberField';

export type Props = QueryEditorProps<DataSource, TributaryQuery, TributaryJsonData>;

// Three columns that line up across rows (Grafana UI widths are in units of 8 px): labels are
// LABEL_WIDTH wide except the middle column's, which must fit "With Streaming"; first-column
// controls are WIDE, the others NARROW.
const LABEL_WIDTH = 16;
const MIDDLE_LABEL_WIDTH = 20;
const WIDE = 24;
const NARROW = 12;
// A signal option with its description wraps to at most three lines at WIDE: about 100 px each.
const SIGNAL_OPTION_HEIGHT = 100;
const MIN_MENU_HEIGHT = 300;

/** Ids are per query (refId) so several editors on one page keep their labels distinct. */
function fieldId(refId: string, name: string): string {
  return `tributary-${name}-${refId}`;
}

const NUMERIC_FIELDS: ReadonlyArray<{ key: NumericQueryKey; label: string; tooltip: string }> = [
  { key: 'seriesCount', label: 'Series', tooltip: 'How many series (value fields) the frame holds.' },
  { key: 'sampleIntervalMs', label: 'Interval (ms)', tooltip: 'Time between two samples, in milliseconds.' },
  { key: 'amplitude', label: 'Amplitude', tooltip: 'Peak deviation from the offset (random walk: step scale).' },
  { key: 'offset', label: 'Offset', tooltip: 'Centre line of the signal.' },
  { key: 'periodMs', label: 'Period (ms)', tooltip: 'Length of one cycle of a periodic signal, in milliseconds.' },
];

function isVariable(value: string): boolean {
  return value.startsWith('$');
}

/** `$name` for each dashboard variable, so a variable can pick the signal (none outside a dashboard). */
function dashboardVariableOptions(): Array<SelectableValue<string>> {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Dashboard variable' }));
  } catch {
    return [];
  }
}

/** The query editor of a `signals` datasource: the built-in generator's parameters. */
export function SignalQueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const current: TributaryQuery = { ...DEFAULT_QUERY, ...query };
  const [signals, setSignals] = useState<readonly SignalInfo[]>(SIGNALS);
  const [alias, setAlias] = useState(current.alias ?? '');
  const [shownAlias, setShownAlias] = useState(current.alias);
  if (shownAlias !== current.alias) {
    setShownAlias(current.alias);
    setAlias(current.alias ?? '');
  }

  useEffect(() => {
    let active = true;
    datasource.getSignals().then((list) => {
      if (active) {
        setSignals(list);
      }
    });
    return () => {
      active = false;
    };
  }, [datasource]);

  // The datasource's own limits (bad or missing settings fall back to the defaults the backend uses).
  const ranges = useMemo(
    () => queryRangesFor(validateSettings(datasource.datasourceInstanceSettings?.jsonData).settings),
    [datasource]
  );

  const update = (patch: Partial<TributaryQuery>) => {
    onChange({ ...current, ...patch });
    onRunQuery();
  };

  const signalOptions: Array<SelectableValue<string>> = [
    ...signals.map((s) => ({ label: s.label, value: s.kind, description: s.description })),
    ...dashboardVariableOptions(),
  ];
  const selectedSignal = signalOptions.find((o) => o.value === current.signal) ?? { label: current.signal, value: current.signal };
  const signalInfo = signals.find((s) => s.kind === current.signal) ?? SIGNALS.find((s) => s.kind === current.signal);
  // A dashboard variable may name any signal, so its period stays editable.
  const periodic = signalInfo ? signalInfo.periodic : isVariable(current.signal);
  const refId = query.refId;

  const numberField = (key: NumericQueryKey, width = NARROW, labelWidth = LABEL_WIDTH) => {
    const meta = NUMERIC_FIELDS.find((f) => f.key === key)!;
    const range = ranges[key];
    return (
      <NumberField
        key={key}
        id={fieldId(refId, key)}
        label={meta.label}
        tooltip={`${meta.tooltip} Allowed: ${range.min} to ${range.max}.`}
        labelWidth={labelWidth}
        width={width}
        value={current[key]}
        // Named by the label the user sees, not by the query model's key.
        validate={(value) => numberRangeError(meta.label, value, range)}
        onCommit={(value) => {
          if (value !== undefined) {
            update({ [key]: value });
          }
        }}
      />
    );
  };

  const aliasError = alias.length > MAX_ALIAS_LENGTH ? `Alias must be at most ${MAX_ALIAS_LENGTH} characters` : undefined;
  const commitAlias = () => {
    if (aliasError) {
      return;
    }
    const next = alias.trim() === '' ? undefined : alias;
    if (next !== current.alias) {
      setShownAlias(next);
      update({ alias: next });
    }
  };

  return (
    <div data-testid="tributary-query-editor">
      <InlineFieldRow>
        <InlineField label="Signal" labelWidth={LABEL_WIDTH} htmlFor={fieldId(refId, 'signal')} tooltip="Which generator produces the values.">
          <Select
            inputId={fieldId(refId, 'signal')}
            width={WIDE}
            // Tall enough for every option with its description: the list never needs scrolling.
            maxMenuHeight={Math.max(MIN_MENU_HEIGHT, signalOptions.length * SIGNAL_OPTION_HEIGHT)}
            options={signalOptions}
            value={selectedSignal}
            allowCustomValue
            onChange={(option) => {
              if (option?.value) {
                // A known kind, or a `$variable` that the datasource interpolates before sending.
                update({ signal: option.value as SignalKind });
              }
            }}
          />
        </InlineField>
        {numberField('seriesCount', NARROW, MIDDLE_LABEL_WIDTH)}
        {numberField('sampleIntervalMs')}
      </InlineFieldRow>
      <InlineFieldRow>
        {numberField('amplitude', WIDE)}
        {numberField('offset', NARROW, MIDDLE_LABEL_WIDTH)}
        {periodic && numberField('periodMs')}
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Alias"
          labelWidth={LABEL_WIDTH}
          htmlFor={fieldId(refId, 'alias')}
          tooltip="Legend prefix; dashboard variables such as $host are replaced."
          invalid={aliasError !== undefined}
          error={aliasError}
          validationMessageHorizontalOverflow
        >
          <Input
            id={fieldId(refId, 'alias')}
            width={WIDE}
            value={alias}
            placeholder="optional"
            onChange={(event) => setAlias(event.currentTarget.value)}
            onBlur={commitAlias}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                commitAlias();
              }
            }}
          />
        </InlineField>
        <InlineField
          label="With Streaming"
          labelWidth={MIDDLE_LABEL_WIDTH}
          htmlFor={fieldId(refId, 'with-streaming')}
          tooltip="On: the graph keeps moving with live samples pushed through Grafana Live. Off: one static query."
        >
          <InlineSwitch
            id={fieldId(refId, 'with-streaming')}
            value={current.withStreaming}
            onChange={(event) => update({ withStreaming: event.currentTarget.checked })}
          />
        </InlineField>
      </InlineFieldRow>
    </div>
  );
}
