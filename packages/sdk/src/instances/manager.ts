/**
 * One instance per datasource and Grafana configuration (like the Go SDK's instance manager,
 * which re-creates on a `grafanaConfig` change; we key by it instead, because
 * one sidecar may serve several Grafanas at once): keyed by datasource uid + `grafanaConfig`, re-created
 * when `lastUpdatedMS` changes, at most MAX_CONFIGS_PER_DATASOURCE configurations kept. A replaced
 * instance is disposed once its in-flight calls release it, or after `disposeAfterMs` at the latest.
 * A SettingsError from `newInstance` is remembered for that settings version, so every request reports
 * it without re-running the factory; other factory errors are retried on the next request.
 *
 * Memory stays bounded whatever uids clients send: an instance nobody holds (no call in flight, no
 * stream) for `idleTimeoutMs` is disposed, and at most `maxInstances` are kept: a new one first disposes
 * the least recently used idle instance. When every kept instance is busy, the new request is refused
 * with InstanceLimitError instead of growing past the cap; instances in use are never disposed for room.
 */
import type { Registry } from 'prom-client';
import {
  SettingsError,
  type DataSourceInstance,
  type DataSourceInstanceSettings,
  type Logger,
  type PluginDefinition,
  type TypedInstanceSettings,
  type RunMode,
} from '../types';
import type { SdkMetrics } from '../metrics/sdk-metrics';
import { decodeSettings, decodeSettingsShell, settingsIdentity, type WireDataSourceInstanceSettings } from '../wire/convert';

export interface InstanceLease {
  instance: DataSourceInstance<unknown>;
  settings: DataSourceInstanceSettings;
  /** Must be called exactly once when the call that acquired the lease is over. */
  release(): void;
  /** True once newer settings replaced this instance (it is disposed when its last lease is released). */
  readonly retired: boolean;
}

/** Thrown for requests that carry no datasource settings (e.g. app-plugin requests). */
export class MissingSettingsError extends Error {
  constructor() {
    super('data source instance settings are missing from the request: this plugin serves datasource requests only');
    this.name = 'MissingSettingsError';
  }
}

/** Thrown when every kept instance is in use and the cap forbids another. */
export class InstanceLimitError extends Error {
  constructor(readonly limit: number) {
    super(
      `too many datasource instances in use at once (limit ${limit}, all busy with calls or streams); ` +
        'try again when some streams or queries have ended',
    );
    this.name = 'InstanceLimitError';
  }
}

interface Entry {
  key: string;
  /** The datasource this entry belongs to (one per Grafana configuration, see acquire). */
  datasource: string;
  version: string;
  lastUsed: number;
  settings: DataSourceInstanceSettings;
  ready: Promise<DataSourceInstance<unknown>>;
  instance?: DataSourceInstance<unknown>;
  refs: number;
  retired: boolean;
  disposed: boolean;
  disposeTimer?: NodeJS.Timeout;
  /** Runs when the entry has been idle (no leases) for idleTimeoutMs. */
  idleTimer?: NodeJS.Timeout;
}

/** The settings with the plugin's decoded configuration; throws what `decodeSettings` throws. */
export function withConfig<S>(definition: Pick<PluginDefinition<unknown, S>, 'decodeSettings'>, settings: DataSourceInstanceSettings): TypedInstanceSettings<S> {
  const config = definition.decodeSettings ? definition.decodeSettings(settings) : (settings.jsonData as S);
  return { ...settings, config };
}

export interface InstanceManagerOptions {
  definition: PluginDefinition<unknown, unknown>;
  logger: Logger;
  runMode: RunMode;
  metrics: SdkMetrics;
  registry: Registry;
  /** Upper bound for waiting on in-flight calls before disposing a replaced instance. */
  disposeAfterMs?: number;
  /** An instance without calls or streams for this long is disposed (default DEFAULT_INSTANCE_IDLE_MS). */
  idleTimeoutMs?: number;
  /** Most instances kept across all datasources (default DEFAULT_MAX_INSTANCES). */
  maxInstances?: number;
}

/** 10 minutes: a dashboard refreshing at any usual interval keeps its instance; a forgotten uid does not stay. */
export const DEFAULT_INSTANCE_IDLE_MS = 10 * 60_000;
/** Instances kept at once, all datasources and Grafana configurations together. */
export const DEFAULT_MAX_INSTANCES = 256;

/** Grafana configurations (e.g. several Grafanas on one sidecar) kept per datasource at once. */
const MAX_CONFIGS_PER_DATASOURCE = 4;

/** Same text for the same keys and values in any order; computed on every request, so kept cheap. */
function configFingerprint(config: Record<string, string> | null | undefined): string {
  if (!config) return '';
  const keys = Object.keys(config);
  if (keys.length > 1) keys.sort();
  let text = '';
  for (const key of keys) text += `${JSON.stringify(key)}:${JSON.stringify(config[key])},`;
  return text;
}

export class InstanceManager {
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<Entry>();
  private useCounter = 0;
  private readonly disposeAfterMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxInstances: number;

  constructor(private readonly options: InstanceManagerOptions) {
    this.disposeAfterMs = options.disposeAfterMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_INSTANCE_IDLE_MS;
    this.maxInstances = Math.max(1, options.maxInstances ?? DEFAULT_MAX_INSTANCES);
  }

  get size(): number {
    return this.entries.size;
  }

  async acquire(
    wire: WireDataSourceInstanceSettings | null | undefined,
    grafanaConfig: Record<string, string> | null | undefined,
  ): Promise<InstanceLease> {
    if (!wire) throw new MissingSettingsError();
    // Keyed by datasource AND Grafana configuration: a sidecar may serve several Grafanas whose
    // configs differ (feature toggles, app URL, a rolling upgrade); keying by datasource alone would
    // make them replace each other's instance on every request. New settings (lastUpdatedMS) replace it.
    const { datasource, version } = settingsIdentity(wire);
    const key = `${datasource}#${configFingerprint(grafanaConfig)}`;
    let entry = this.entries.get(key);
    if (!entry || entry.version !== version) {
      if (entry) this.retire(entry);
      else this.makeRoomFor(datasource);
      this.makeRoomInTotal();
      entry = this.create(key, datasource, version, wire);
      this.entries.set(key, entry);
    }
    entry.lastUsed = ++this.useCounter;
    entry.refs++;
    // The idle timer keeps running: when it fires while the entry is held it does nothing (see startIdleTimer).
    let instance: DataSourceInstance<unknown>;
    try {
      instance = await entry.ready;
    } catch (err) {
      this.release(entry);
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      instance,
      settings: held.settings,
      release: () => {
        if (released) return;
        released = true;
        this.release(held);
      },
      get retired() {
        return held.retired;
      },
    };
  }

  /** Disposes every instance (process shutdown). */
  async disposeAll(): Promise<void> {
    const all = [...this.entries.values(), ...this.retiring];
    this.entries.clear();
    await Promise.all(all.map((e) => this.dispose(e)));
  }

  /** Keeps at most maxInstances: disposes the least recently used idle one, or refuses when all are busy. */
  private makeRoomInTotal(): void {
    if (this.entries.size < this.maxInstances) return;
    let oldest: Entry | undefined;
    for (const e of this.entries.values()) {
      if (e.refs === 0 && (!oldest || e.lastUsed < oldest.lastUsed)) oldest = e;
    }
    if (!oldest) throw new InstanceLimitError(this.maxInstances);
    this.options.logger.debug('datasource instance evicted to stay within the instance limit', {
      datasourceUid: oldest.settings.uid,
      limit: this.maxInstances,
    });
    this.retire(oldest);
  }

  /**
   * (Re)starts the idle countdown when the last lease is released. A pending timer is refreshed rather
   * than replaced: this runs once per call, and refresh() costs far less than a new timer.
   */
  private startIdleTimer(entry: Entry): void {
    if (entry.idleTimer) {
      entry.idleTimer.refresh();
      return;
    }
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      // Held again since the countdown began: the next release starts a new one.
      if (entry.refs > 0 || entry.retired || this.entries.get(entry.key) !== entry) return;
      this.options.logger.debug('datasource instance idle; disposed', { datasourceUid: entry.settings.uid, idleMs: this.idleTimeoutMs });
      this.retire(entry);
    }, this.idleTimeoutMs);
    entry.idleTimer.unref();
  }

  private stopIdleTimer(entry: Entry): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  }

  /** Bounds the instances kept per datasource (one per Grafana configuration seen) by retiring the least recently used. */
  private makeRoomFor(datasource: string): void {
    const siblings = [...this.entries.values()].filter((e) => e.datasource === datasource);
    if (siblings.length < MAX_CONFIGS_PER_DATASOURCE) return;
    siblings.sort((a, b) => a.lastUsed - b.lastUsed);
    this.retire(siblings[0]);
  }

  private create(key: string, datasource: string, version: string, wire: WireDataSourceInstanceSettings): Entry {
    const { definition, logger, runMode, registry, metrics } = this.options;
    let settings: DataSourceInstanceSettings;
    let ready: Promise<DataSourceInstance<unknown>>;
    try {
      settings = decodeSettings(wire);
      ready = Promise.resolve().then(() =>
        definition.newInstance(withConfig(definition, settings), {
          logger: logger.with({ datasourceUid: settings.uid }),
          runMode,
          metrics: registry,
        }),
      );
    } catch (err) {
      settings = decodeSettingsShell(wire);
      ready = Promise.reject(err);
    }
    const entry: Entry = { key, datasource, version, lastUsed: 0, settings, ready, refs: 0, retired: false, disposed: false };
    ready.then(
      (instance) => {
        entry.instance = instance;
        metrics.instanceCreated();
        logger.debug('datasource instance created', { datasourceUid: settings.uid, lastUpdatedMS: settings.lastUpdatedMS });
        if (entry.disposed) void this.runDispose(entry, instance); // replaced while it was being built
      },
      (err) => {
        if (err instanceof SettingsError) {
          logger.warn('datasource settings rejected', { datasourceUid: settings.uid, error: err.message });
        } else {
          logger.error('creating datasource instance failed', { datasourceUid: settings.uid, error: err });
          // Not a settings problem: let the next request try again.
          if (this.entries.get(key) === entry) this.entries.delete(key);
        }
      },
    );
    return entry;
  }

  private retire(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    entry.retired = true;
    this.stopIdleTimer(entry);
    if (entry.refs === 0) {
      void this.dispose(entry);
      return;
    }
    this.retiring.add(entry);
    entry.disposeTimer = setTimeout(() => void this.dispose(entry), this.disposeAfterMs);
    entry.disposeTimer.unref();
  }

  private release(entry: Entry): void {
    entry.refs--;
    if (entry.retired && entry.refs <= 0) void this.dispose(entry);
    else if (entry.refs <= 0 && this.entries.get(entry.key) === entry) this.startIdleTimer(entry);
  }

  private async dispose(entry: Entry): Promise<void> {
    if (entry.disposed) return;
    entry.disposed = true;
    this.retiring.delete(entry);
    if (entry.disposeTimer) clearTimeout(entry.disposeTimer);
    this.stopIdleTimer(entry);
    if (entry.instance) await this.runDispose(entry, entry.instance);
  }

  private async runDispose(entry: Entry, instance: DataSourceInstance<unknown>): Promise<void> {
    this.options.metrics.instanceDisposed();
    try {
      await instance.dispose?.();
      this.options.logger.debug('datasource instance disposed', { datasourceUid: entry.settings.uid });
    } catch (err) {
      this.options.logger.error('disposing datasource instance failed', { datasourceUid: entry.settings.uid, error: err });
    }
  }
}
