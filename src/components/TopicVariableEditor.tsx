import React from 'react';
import type { QueryEditorProps } from '@grafana/data';

import type { DataSource } from '../datasource';
import type { TributaryQuery } from '../shared/query';
import { topicFilterError } from '../shared/topicFilter';
import type { TributaryJsonData } from '../types';
import type { TopicVariableQuery } from '../variableQuery';
import { TextField } from './TextField';

export type Props = QueryEditorProps<DataSource, TributaryQuery, TributaryJsonData, TopicVariableQuery>;

/** The variable editor of a message source: the topic filter whose concrete topics become the values. */
export function TopicVariableEditor({ query, onChange }: Props) {
  return (
    <TextField
      id="tributary-variable-topic-filter"
      label="Topic filter"
      labelWidth={20}
      width={48}
      tooltip="The concrete topics the backend has seen under this filter become the values (e.g. sensors/+/env). Other dashboard variables are replaced."
      value={query.filter || undefined}
      placeholder="e.g. sensors/+/env"
      validate={(text) => (text.includes('$') ? undefined : topicFilterError(text.trim()))}
      onCommit={(filter) => onChange({ ...query, filter: filter?.trim() ?? '' })}
    />
  );
}
