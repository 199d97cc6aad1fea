import React from 'react';
import type { QueryEditorProps } from '@grafana/data';

import type { DataSource } from '../datasource';
import type { TributaryQuery } from '../shared/query';
import type { TributaryJsonData } from '../types';
import { MessageQueryEditor } from './MessageQueryEditor';
import { SignalQueryEditor } from './SignalQueryEditor';

export type Props = QueryEditorProps<DataSource, TributaryQuery, TributaryJsonData>;

/** The query editor Grafana shows: the fields of the datasource's source kind. */
export function QueryEditor(props: Props) {
  return props.datasource.sourceKind === 'signals' ? <SignalQueryEditor {...props} /> : <MessageQueryEditor {...props} />;
}
