import { CustomVariableSupport, FieldType, createDataFrame, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { from, type Observable } from 'rxjs';

import { TopicVariableEditor } from './components/TopicVariableEditor';
import type { DataSource } from './datasource';
import type { TopicVariableQuery } from './variableQuery';

/**
 * Dashboard variables of a message source: the concrete topics the backend has seen under a topic
 * filter (resource `topics?filter=…`), one variable value per topic.
 */
export class TopicVariableSupport extends CustomVariableSupport<DataSource, TopicVariableQuery> {
  editor = TopicVariableEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<TopicVariableQuery>): Observable<DataQueryResponse> {
    // A filter may itself use other variables (e.g. sensors/$site/#).
    const filter = getTemplateSrv().replace(request.targets[0]?.filter ?? '', request.scopedVars);
    return from(
      this.datasource.getTopics(filter).then((topics) => ({
        data: [createDataFrame({ fields: [{ name: 'text', type: FieldType.string, values: topics }] })],
      }))
    );
  }
}
