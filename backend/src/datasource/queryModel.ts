/** Decoding one query's JSON into a complete, validated query (defaults filled in). */
import { QueryError } from '@tributary/grafana-backend-sdk';
import type { TributarySettings } from '../../../src/shared/settings';
import { validateQuery, type NormalizedQuery } from '../../../src/shared/validation';

export type { NormalizedQuery } from '../../../src/shared/validation';

/** Throws a QueryError (400) naming the bad field. */
export function decodeTributaryQuery(json: unknown, settings: TributarySettings): NormalizedQuery {
  const result = validateQuery(json, settings);
  if (!result.ok) {
    throw new QueryError(`invalid query field "${result.problem.field}": ${result.problem.message}`, 400);
  }
  return result.query;
}
