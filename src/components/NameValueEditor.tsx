import React, { type ChangeEvent } from 'react';
import { Button, Field, IconButton, InlineField, InlineFieldRow, InlineSwitch, Input, SecretInput } from '@grafana/ui';

import { headerNameError } from '../shared/webSourceChecks';
import { secretKey, type NameValue } from '../shared/webSources';
import type { SecretState } from './secureJsonData';

/** A change to secureJsonData that goes with a change of the rows: set a value, or delete a stored key. */
export type SecretChange = { key: string; value: string } | { key: string; reset: true };

export interface NameValueEditorProps {
  /** `header`: request headers; `query`: URL query parameters. Decides the secureJsonData key (see secretKey). */
  kind: 'header' | 'query';
  idPrefix: string;
  rows: NameValue[];
  secrets: SecretState;
  /** The new rows and the secureJsonData changes that go with them, applied together. */
  onChange: (rows: NameValue[], secretChanges: SecretChange[]) => void;
}

const NOUN = { header: 'header', query: 'query parameter' } as const;

/** Why a row's name is unusable (empty, not a header token, or the same secret key as an earlier row), or undefined. */
function rowNameError(kind: 'header' | 'query', rows: NameValue[], index: number): string | undefined {
  const row = rows[index];
  const name = row.name.trim();
  if (kind === 'header') {
    const error = headerNameError(name);
    if (error !== undefined) {
      return error;
    }
  } else if (name === '') {
    return 'A query parameter needs a name';
  }
  const key = secretKey(kind, name);
  const earlier = rows.slice(0, index).some((other) => secretKey(kind, other.name) === key);
  return earlier ? `"${name}" is listed twice` : undefined;
}

/**
 * Request headers or query parameters as name/value rows. A row marked secret keeps its value in
 * secureJsonData under `header:<lower-case name>` / `query:<name>` (Grafana stores it encrypted and never
 * sends it back); jsonData keeps only its name and `secret: true`.
 */
export function NameValueEditor({ kind, idPrefix, rows, secrets, onChange }: NameValueEditorProps) {
  const noun = NOUN[kind];
  const keyOf = (row: NameValue) => secretKey(kind, row.name);
  const replace = (index: number, row: NameValue, secretChanges: SecretChange[] = []) =>
    onChange(rows.map((r, i) => (i === index ? row : r)), secretChanges);

  const rename = (index: number, name: string) => {
    const row = rows[index];
    if (!row.secret) {
      return replace(index, { ...row, name });
    }
    // The secret lives under a key made from the name: a value typed now moves with it; a stored one
    // cannot be read back, so it is deleted and has to be entered again.
    const oldKey = keyOf(row);
    const newKey = secretKey(kind, name);
    if (oldKey === newKey) {
      return replace(index, { ...row, name });
    }
    const typed = secrets.typed(oldKey);
    const changes: SecretChange[] = [{ key: oldKey, reset: true }];
    if (typed !== '') {
      changes.push({ key: newKey, value: typed });
    }
    replace(index, { ...row, name }, changes);
  };

  const setSecret = (index: number, secret: boolean) => {
    const row = rows[index];
    const key = keyOf(row);
    if (secret) {
      // The value typed so far becomes the secret; jsonData keeps none.
      const changes: SecretChange[] = row.value ? [{ key, value: row.value }] : [];
      return replace(index, { name: row.name, secret: true }, changes);
    }
    replace(index, { name: row.name, value: '' }, [{ key, reset: true }]);
  };

  const remove = (index: number) => {
    const row = rows[index];
    onChange(
      rows.filter((_, i) => i !== index),
      row.secret ? [{ key: keyOf(row), reset: true }] : []
    );
  };

  return (
    <div data-testid={`${idPrefix}-rows`}>
      {rows.map((row, index) => {
        const id = `${idPrefix}-${index}`;
        const nameError = rowNameError(kind, rows, index);
        const key = keyOf(row);
        return (
          <InlineFieldRow key={index}>
            <InlineField label="Name" labelWidth={8} htmlFor={`${id}-name`} invalid={nameError !== undefined} error={nameError} validationMessageHorizontalOverflow>
              <Input
                id={`${id}-name`}
                aria-label={`${noun} ${index + 1} name`}
                width={24}
                value={row.name}
                onChange={(event: ChangeEvent<HTMLInputElement>) => rename(index, event.currentTarget.value)}
              />
            </InlineField>
            <InlineField label="Value" labelWidth={8} htmlFor={`${id}-value`}>
              {row.secret ? (
                <SecretInput
                  id={`${id}-value`}
                  aria-label={`${noun} ${index + 1} value`}
                  width={32}
                  autoComplete="new-password"
                  isConfigured={secrets.isConfigured(key)}
                  value={secrets.typed(key)}
                  onChange={(event: ChangeEvent<HTMLInputElement>) => replace(index, row, [{ key, value: event.currentTarget.value }])}
                  onReset={() => replace(index, row, [{ key, reset: true }])}
                />
              ) : (
                <Input
                  id={`${id}-value`}
                  aria-label={`${noun} ${index + 1} value`}
                  width={32}
                  value={row.value ?? ''}
                  onChange={(event: ChangeEvent<HTMLInputElement>) => replace(index, { ...row, value: event.currentTarget.value })}
                />
              )}
            </InlineField>
            <InlineField label="Secret" labelWidth={8} htmlFor={`${id}-secret`} tooltip="Stored encrypted by Grafana; never shown again, logged or sent to another host.">
              <InlineSwitch
                id={`${id}-secret`}
                aria-label={`${noun} ${index + 1} secret`}
                value={row.secret === true}
                onChange={(event) => setSecret(index, event.currentTarget.checked)}
              />
            </InlineField>
            <IconButton name="trash-alt" aria-label={`Remove ${noun} ${index + 1}`} onClick={() => remove(index)} />
          </InlineFieldRow>
        );
      })}
      <Field>
        <Button variant="secondary" size="sm" icon="plus" onClick={() => onChange([...rows, { name: '', value: '' }], [])}>
          Add {noun}
        </Button>
      </Field>
    </div>
  );
}
