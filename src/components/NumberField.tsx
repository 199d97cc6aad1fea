import React, { useState, type KeyboardEvent } from 'react';
import { Field, InlineField, Input } from '@grafana/ui';

export interface NumberFieldProps {
  /** DOM id of the input; the label points at it. */
  id: string;
  /** The label users see; error messages name the field by it. */
  label: string;
  tooltip?: string;
  /**
   * `inline` (default): label left of the input, as in query editors. `stacked`: label, secondary
   * description text, then the input, as on Grafana's datasource settings pages.
   */
  layout?: 'inline' | 'stacked';
  /** Secondary text under the label (stacked layout). */
  description?: string;
  labelWidth?: number;
  width?: number;
  /** The committed value; undefined shows an empty input. */
  value: number | undefined;
  placeholder?: string;
  /** Why a parsed number is not acceptable, or undefined when it is. */
  validate: (value: number) => string | undefined;
  /** An empty input is allowed and commits `undefined` (e.g. "use the default"). */
  allowEmpty?: boolean;
  /** Called once per accepted edit (on blur or Enter), never with an invalid value. */
  onCommit: (value: number | undefined) => void;
}

function format(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '' : String(value);
}

/** What the draft text means: a number, "empty", or an error to show instead of sending it. */
export function parseDraft(
  draft: string,
  validate: (value: number) => string | undefined,
  allowEmpty: boolean
): { value: number | undefined; error?: string } {
  const text = draft.trim();
  if (text === '') {
    return allowEmpty ? { value: undefined } : { value: undefined, error: 'A value is required' };
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    return { value: undefined, error: `"${text}" is not a number` };
  }
  return { value, error: validate(value) };
}

/**
 * A labelled numeric input that keeps the user's text as a draft, shows an inline error while the
 * text is not an acceptable value, and only reports accepted values.
 */
export function NumberField(props: NumberFieldProps) {
  const { id, label, tooltip, layout = 'inline', description, labelWidth = 20, width = 16, value, placeholder, validate, allowEmpty = false, onCommit } =
    props;
  const [draft, setDraft] = useState(format(value));
  const [shownValue, setShownValue] = useState(value);
  // A new value from outside (query reset, other editor) replaces the draft.
  if (!Object.is(value, shownValue)) {
    setShownValue(value);
    setDraft(format(value));
  }

  const parsed = parseDraft(draft, validate, allowEmpty);

  const commit = () => {
    if (parsed.error !== undefined || Object.is(parsed.value, value)) {
      return;
    }
    setShownValue(parsed.value);
    onCommit(parsed.value);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      commit();
    }
  };

  const invalid = parsed.error !== undefined;
  const input = (
    <Input
      id={id}
      type="text"
      inputMode="decimal"
      width={width}
      value={draft}
      placeholder={placeholder}
      aria-invalid={invalid}
      onChange={(event) => setDraft(event.currentTarget.value)}
      onBlur={commit}
      onKeyDown={onKeyDown}
    />
  );

  if (layout === 'stacked') {
    return (
      <Field label={label} description={description} htmlFor={id} invalid={invalid} error={parsed.error}>
        {input}
      </Field>
    );
  }
  return (
    // The message may be wider than the input: let it overflow to the right instead of widening
    // this field and shoving its neighbours along the row.
    <InlineField
      label={label}
      tooltip={tooltip}
      labelWidth={labelWidth}
      htmlFor={id}
      invalid={invalid}
      error={parsed.error}
      validationMessageHorizontalOverflow
    >
      {input}
    </InlineField>
  );
}
