import React, { useState, type KeyboardEvent } from 'react';
import { InlineField, Input } from '@grafana/ui';

export interface TextFieldProps {
  /** DOM id of the input; the label points at it. */
  id: string;
  label: string;
  tooltip?: string;
  labelWidth?: number;
  width?: number;
  /** The committed value; undefined shows an empty input. */
  value: string | undefined;
  placeholder?: string;
  /** Why the text is not acceptable (shown under the field, never committed), or undefined. */
  validate?: (text: string) => string | undefined;
  /** Called once per accepted edit (on blur or Enter); an empty or blank input commits `undefined`. */
  onCommit: (value: string | undefined) => void;
}

/**
 * A labelled text input for query editors that keeps the user's typing as a draft and commits it
 * on blur or Enter, so a query is not re-run on every keystroke.
 */
export function TextField({ id, label, tooltip, labelWidth = 16, width = 24, value, placeholder, validate, onCommit }: TextFieldProps) {
  const [draft, setDraft] = useState(value ?? '');
  const [shownValue, setShownValue] = useState(value);
  // A new value from outside (query reset, other editor) replaces the draft.
  if (shownValue !== value) {
    setShownValue(value);
    setDraft(value ?? '');
  }

  const error = validate?.(draft);
  const commit = () => {
    if (error !== undefined) {
      return;
    }
    const next = draft.trim() === '' ? undefined : draft;
    if (next !== value) {
      setShownValue(next);
      onCommit(next);
    }
  };

  return (
    <InlineField
      label={label}
      labelWidth={labelWidth}
      htmlFor={id}
      tooltip={tooltip}
      invalid={error !== undefined}
      error={error}
      validationMessageHorizontalOverflow
    >
      <Input
        id={id}
        width={width}
        value={draft}
        placeholder={placeholder}
        aria-invalid={error !== undefined}
        onChange={(event) => setDraft(event.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(event: KeyboardEvent<HTMLInputElement>) => {
          if (event.key === 'Enter') {
            commit();
          }
        }}
      />
    </InlineField>
  );
}
