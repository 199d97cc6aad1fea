import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import type { TributaryQuery } from './shared/query';
import type { TributaryJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, TributaryQuery, TributaryJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
