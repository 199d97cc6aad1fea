/** Decoding a message-source query: the kind's stream fields (MQTT topic filter; web path, …), mapping, alias, streaming toggle. */
import { QueryError } from '@tributary/grafana-backend-sdk';
import { validateMessageQuery, type MessageQuery } from '../../../../src/shared/validation';
import type { MessageMapper } from '../../sources/glue/ports';
import type { WebSourceKind } from '../../../../src/shared/webValidation';

export type { MessageQuery } from '../../../../src/shared/validation';

/** Throws a QueryError (400) naming the bad field. */
export function decodeMessageQuery(
  json: unknown,
  mapper: MessageMapper,
  kind: 'mqtt' | WebSourceKind = 'mqtt',
  settings?: { minIntervalMs?: number },
): MessageQuery {
  const result = validateMessageQuery(json, kind, settings);
  if (!result.ok) {
    throw new QueryError(`invalid query field "${result.problem.field}": ${result.problem.message}`, 400);
  }
  const mappingError = mapper.mappingError(result.query.mapping);
  if (mappingError !== undefined) {
    throw new QueryError(`invalid query field "mapping": ${mappingError}`, 400);
  }
  return result.query;
}
