import type { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { defaultQueryFor, sourceKindOf } from './queryDefaults';
import { SIGNALS, isSignalKind, type SignalInfo, type TributaryQuery } from './shared/query';
import type { SourceKind } from './shared/sources';
import type { TributaryJsonData } from './types';
import { tributaryStreamOptions } from './streamOptions';
import { TopicVariableSupport } from './variables';

/**
 * The Tributary datasource in the browser. Queries go to the Node backend through Grafana's
 * `/api/ds/query`; when a returned frame carries `meta.channel`, DataSourceWithBackend itself
 * subscribes to that Grafana Live channel, so no subscription code lives here.
 */
export class DataSource extends DataSourceWithBackend<TributaryQuery, TributaryJsonData> {
  /** Where this datasource's data comes from (its settings); the query editor shows that kind's fields. */
  readonly sourceKind: SourceKind;
  /** The datasource's settings, for the query editor's placeholders and limits (e.g. the polling interval floor). */
  readonly jsonData: TributaryJsonData;

  constructor(instanceSettings: DataSourceInstanceSettings<TributaryJsonData>) {
    super(instanceSettings);
    this.streamOptionsProvider = tributaryStreamOptions;
    this.sourceKind = sourceKindOf(instanceSettings.jsonData);
    this.jsonData = instanceSettings.jsonData ?? {};
    if (this.sourceKind === 'mqtt') {
      // Dashboard variables listing the concrete topics seen under a filter (only MQTT has topics;
      // the backend has no topics resource for a web source, whose stream is one series).
      this.variables = new TopicVariableSupport(this);
    }
  }

  override getDefaultQuery(_app: CoreApp): Partial<TributaryQuery> {
    return defaultQueryFor(this.sourceKind);
  }

  /** Hidden queries never reach the backend (and so never open a stream). */
  override filterQuery(query: TributaryQuery): boolean {
    return !query.hide;
  }

  override applyTemplateVariables(query: TributaryQuery, scopedVars: ScopedVars): TributaryQuery {
    const templateSrv = getTemplateSrv();
    const interpolated: TributaryQuery = { ...query };
    if (typeof query.alias === 'string') {
      interpolated.alias = templateSrv.replace(query.alias, scopedVars);
    }
    if (typeof query.signal === 'string') {
      // A dashboard variable may pick the signal; an unknown result is left for the backend to reject clearly.
      interpolated.signal = templateSrv.replace(query.signal, scopedVars) as TributaryQuery['signal'];
    }
    if (typeof query.topic === 'string') {
      interpolated.topic = templateSrv.replace(query.topic, scopedVars);
    }
    // Web sources: the path, the connect message, the event names and the request body may name variables.
    for (const key of ['path', 'connectMessage', 'body'] as const) {
      const text = query[key];
      if (typeof text === 'string') {
        interpolated[key] = templateSrv.replace(text, scopedVars);
      }
    }
    if (Array.isArray(query.events)) {
      interpolated.events = query.events.map((name) => templateSrv.replace(name, scopedVars));
    }
    return interpolated;
  }

  /**
   * The signals the backend offers (resource `signals`), or the shared list when the backend
   * cannot say (older backend, resource error, unexpected shape).
   */
  async getSignals(): Promise<readonly SignalInfo[]> {
    try {
      const body: unknown = await this.getResource('signals');
      const parsed = parseSignals(body);
      return parsed.length > 0 ? parsed : SIGNALS;
    } catch {
      return SIGNALS;
    }
  }

  /** The concrete topics the backend has seen under `filter` (resource `topics`); errors reach the caller. */
  async getTopics(filter: string): Promise<string[]> {
    const body: unknown = await this.getResource('topics', { filter });
    return parseTopics(body);
  }
}

/** Accepts `SignalInfo[]` or `{ signals: SignalInfo[] }`; keeps only entries naming a known signal. */
export function parseSignals(body: unknown): SignalInfo[] {
  const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.signals) ? body.signals : [];
  const result: SignalInfo[] = [];
  for (const entry of list) {
    if (!isRecord(entry) || !isSignalKind(entry.kind)) {
      continue;
    }
    const known = SIGNALS.find((s) => s.kind === entry.kind);
    result.push({
      kind: entry.kind,
      label: typeof entry.label === 'string' && entry.label ? entry.label : (known?.label ?? entry.kind),
      description: typeof entry.description === 'string' ? entry.description : (known?.description ?? ''),
      periodic: typeof entry.periodic === 'boolean' ? entry.periodic : (known?.periodic ?? false),
    });
  }
  return result;
}

/** `{ topics: string[] }` → the topics, in the backend's order, without non-strings or duplicates. */
export function parseTopics(body: unknown): string[] {
  if (!Array.isArray(body)) {
    throw new Error('unexpected answer from the topics resource (expected a JSON array of topics)');
  }
  return [...new Set(body.filter((t): t is string => typeof t === 'string'))];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
