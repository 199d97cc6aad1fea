import type { DataQuery } from '@grafana/schema';

/** The query of a dashboard variable on a message source: a topic filter (`+`/`#` wildcards). */
export interface TopicVariableQuery extends DataQuery {
  filter: string;
}
