/**
 * The query a new panel starts with, per source kind: the signal generator's lively sine, or, for a
 * message source, an empty topic (the user names it) with the default payload mapping, streaming on.
 */
import { DEFAULT_MAPPING } from './shared/mapping';
import { DEFAULT_QUERY, type TributaryQuery } from './shared/query';
import { DEFAULT_SOURCE_KIND, isSourceKind, type SourceKind } from './shared/sources';

export const DEFAULT_MESSAGE_QUERY: Partial<TributaryQuery> = {
  topic: '',
  mapping: { ...DEFAULT_MAPPING },
  withStreaming: true,
};

export function defaultQueryFor(kind: SourceKind): Partial<TributaryQuery> {
  return kind === 'signals' ? { ...DEFAULT_QUERY } : { ...DEFAULT_MESSAGE_QUERY, mapping: { ...DEFAULT_MAPPING } };
}

/** The source kind stored in a datasource's jsonData; anything missing or unknown is the default (signals). */
export function sourceKindOf(jsonData: { sourceKind?: unknown } | undefined): SourceKind {
  return isSourceKind(jsonData?.sourceKind) ? jsonData.sourceKind : DEFAULT_SOURCE_KIND;
}
