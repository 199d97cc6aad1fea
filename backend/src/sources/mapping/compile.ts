/**
 * A PayloadMapping checked once and turned into what the per-message code needs (parsed paths, the
 * compiled topic pattern, the alias). Every problem is a MappingError with a message for the user.
 */
import {
  MAPPING_LIMITS,
  PAYLOAD_FORMATS,
  TIME_FORMATS,
  TIME_SOURCES,
  type PayloadFormat,
  type PayloadMapping,
  type TimeFormat,
} from '../../../../src/shared/mapping';
import { defaultAlias, hasWildcard } from './alias';
import { formatPath, parsePath, PathError, type PathSegment } from './path';
import { compileTopicPattern, TopicPatternError, type TopicPattern } from './topicPattern';

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

export interface ExplicitField {
  /** Canonical path text: the field's name. */
  name: string;
  segments: PathSegment[];
}

export interface CompiledMapping {
  readonly format: PayloadFormat;
  /** JSON: the fields to keep, or undefined to flatten every leaf. */
  readonly explicit?: readonly ExplicitField[];
  /** Payload time field, when the time comes from the payload. */
  readonly time?: ExplicitField;
  readonly timeFormat: TimeFormat;
  readonly pattern?: TopicPattern;
  readonly alias: string;
  readonly maxPayloadBytes: number;
}

export interface CompileOptions {
  /** The topic filter of the query: without wildcards the default alias is just the field name. */
  topicFilter?: string;
  /** Defaults to MAPPING_LIMITS.maxPayloadBytes. */
  maxPayloadBytes?: number;
}

function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new MappingError(`${what} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

function compilePath(what: string, text: unknown): ExplicitField {
  if (typeof text !== 'string') throw new MappingError(`${what} must be a string`);
  try {
    const segments = parsePath(text);
    return { name: formatPath(segments), segments };
  } catch (e) {
    if (e instanceof PathError) throw new MappingError(`${what}: ${e.message}`);
    throw e;
  }
}

/** Checks `mapping` (which may come straight from a query's JSON) and compiles it. */
export function compileMapping(mapping: PayloadMapping, options: CompileOptions = {}): CompiledMapping {
  if (mapping === null || typeof mapping !== 'object') throw new MappingError('the payload mapping is missing');
  const format = oneOf('payload format', mapping.format, PAYLOAD_FORMATS, 'json');
  const timeSource = oneOf('time source', mapping.timeSource, TIME_SOURCES, 'arrival');
  const timeFormat = oneOf('time format', mapping.timeFormat, TIME_FORMATS, 'auto');

  let explicit: ExplicitField[] | undefined;
  if (mapping.fields !== undefined && mapping.fields !== null) {
    if (!Array.isArray(mapping.fields)) throw new MappingError('fields must be a list of field paths');
    const wanted = mapping.fields.filter((f) => typeof f !== 'string' || f.trim() !== '');
    if (wanted.length > MAPPING_LIMITS.maxExplicitFields) {
      throw new MappingError(`${wanted.length} fields listed; at most ${MAPPING_LIMITS.maxExplicitFields} are allowed`);
    }
    if (wanted.length > 0) {
      if (format !== 'json') throw new MappingError(`a list of fields applies to JSON payloads only (the format is ${format})`);
      explicit = wanted.map((f, i) => compilePath(`fields[${i}]`, f));
      const seen = new Set<string>();
      for (const f of explicit) {
        if (seen.has(f.name)) throw new MappingError(`field ${JSON.stringify(f.name)} is listed twice`);
        seen.add(f.name);
      }
    }
  }

  let time: ExplicitField | undefined;
  if (timeSource === 'payload') {
    if (format !== 'json') throw new MappingError(`a payload time field needs JSON payloads (the format is ${format})`);
    if (!mapping.timeField || String(mapping.timeField).trim() === '') throw new MappingError('the time source is "payload" but no time field is set');
    time = compilePath('time field', mapping.timeField);
  }

  let pattern: TopicPattern | undefined;
  if (mapping.topicPattern !== undefined && mapping.topicPattern !== null && String(mapping.topicPattern).trim() !== '') {
    try {
      pattern = compileTopicPattern(String(mapping.topicPattern));
    } catch (e) {
      if (e instanceof TopicPatternError) throw new MappingError(e.message);
      throw e;
    }
  }

  const aliasText = typeof mapping.alias === 'string' ? mapping.alias.trim() : '';
  const singleTopic = options.topicFilter !== undefined && !hasWildcard(options.topicFilter);
  const alias = aliasText !== '' ? aliasText : defaultAlias(singleTopic, pattern?.labelNames ?? []);
  return { format, explicit, time, timeFormat, pattern, alias, maxPayloadBytes: options.maxPayloadBytes ?? MAPPING_LIMITS.maxPayloadBytes };
}
