/** One Tributary datasource (per uid and settings version): queries, health, resources and streams. */
import type { TributaryQuery } from '../../../src/shared/query';
import type { TributarySettings } from '../../../src/shared/settings';
import type { FrameMeta, Notice } from '@tributary/grafana-backend-sdk/frames';
import { formatChannel, MAX_CHANNEL_LENGTH } from '@tributary/grafana-backend-sdk/live';
import type { Clock } from '@tributary/grafana-backend-sdk/live';
import { LiveHub } from '@tributary/grafana-backend-sdk/live';
import {
  QueryError,
  type CallResourceRequest,
  type CheckHealthResult,
  type DataFrameFormat,
  type DataQuery,
  type DataResponse,
  type DataSourceInstance,
  type TypedInstanceSettings,
  type InstanceFactoryContext,
  type Logger,
  type PublishStreamResult,
  type QueryCost,
  type RequestContext,
  type ResourceResponseWriter,
  type RunStreamRequest,
  type StreamSender,
  type SubscribeStreamRequest,
  type SubscribeStreamResult,
  type TypedDataQuery,
} from '@tributary/grafana-backend-sdk';
import { runFrameTask } from '@tributary/grafana-backend-sdk';
import { encodeChannelPath, parseChannelPath, type StreamQuery } from './channelPath';
import { signalHistoryTask } from './historyTask';
import { healthReport } from './health';
import { historyWindow } from './history';
import { historyCost } from './historyCost';
import { hubObserver, tributaryMetrics, type TributaryMetrics } from './metrics';
import { decodeTributaryQuery, type NormalizedQuery } from './queryModel';
import { handleResource } from './resources';
import { SeriesShape } from './series';
import { SignalChannelSource } from './streams';

export interface InstanceOptions {
  version: string;
  /** Time source for streams (tests and benchmarks drive it). */
  clock?: Clock;
}

export class TributaryInstance implements DataSourceInstance<TributaryQuery> {
  readonly settings: TributarySettings;
  private readonly uid: string;
  /** Owns every stream's timing: when packets are due, the rate cap, slow readers. */
  private readonly hub: LiveHub;
  private readonly metrics: TributaryMetrics;
  private readonly logger: Logger;

  constructor(
    instanceSettings: TypedInstanceSettings<TributarySettings>,
    private readonly factory: InstanceFactoryContext,
    private readonly options: InstanceOptions,
  ) {
    this.settings = instanceSettings.config;
    this.uid = instanceSettings.uid;
    this.logger = factory.logger.with({ datasourceUid: this.uid });
    this.metrics = tributaryMetrics(factory.metrics);
    this.hub = new LiveHub({
      maxPacketsPerSecond: this.settings.maxPacketsPerSecond,
      clock: options.clock,
      observer: hubObserver(this.metrics),
      logger: this.logger,
    });
  }

  /** Channels with a running upstream in this instance. */
  get activeChannels(): number {
    return this.hub.activeChannels;
  }

  decodeQuery(json: unknown, _query: DataQuery): TributaryQuery {
    return decodeTributaryQuery(json, this.settings);
  }

  /** Known before computing (from the history window), so the SDK can admit or refuse the query. */
  queryCost(query: TypedDataQuery<TributaryQuery>, format: DataFrameFormat): QueryCost {
    const model = query.model as NormalizedQuery;
    const window = historyWindow(query.timeRange, model.sampleIntervalMs, query.maxDataPoints, model.seriesCount);
    return historyCost(window, model, this.uid, format);
  }

  async query(query: TypedDataQuery<TributaryQuery>, ctx: RequestContext): Promise<DataResponse> {
    const stopTimer = this.metrics.queryDuration.startTimer();
    try {
      return await this.history(query.model as NormalizedQuery, query, ctx, isAlertQuery(ctx));
    } finally {
      stopTimer();
    }
  }

  checkHealth(ctx: RequestContext): CheckHealthResult {
    return healthReport({
      version: this.options.version,
      runMode: ctx.runMode ?? this.factory.runMode,
      activeChannels: this.hub.activeChannels,
      settings: this.settings,
    });
  }

  callResource(req: CallResourceRequest, res: ResourceResponseWriter): void {
    handleResource(req, res, this.settings);
  }

  subscribeStream(req: SubscribeStreamRequest): SubscribeStreamResult {
    const parsed = parseChannelPath(req.path, this.settings);
    if (parsed.status !== 'ok') {
      this.logger.info('subscription refused', { path: req.path, status: parsed.status, reason: parsed.reason });
      return { status: parsed.status };
    }
    // Schema only: the browser appends initial rows after the QueryData history it already holds, so
    // "recent rows" here would repeat timestamps it has and draw a line going back in time.
    return {
      status: 'ok',
      initialData: new SeriesShape(parsed.query, this.uid).frame(0, 0),
      initialDataInclude: 'schema',
    };
  }

  async runStream(req: RunStreamRequest, sender: StreamSender, ctx: RequestContext): Promise<void> {
    const parsed = parseChannelPath(req.path, this.settings);
    if (parsed.status !== 'ok') {
      // Returning cleanly (not an error) so Grafana does not retry a path that can never work.
      ctx.logger.warn('stream refused', { path: req.path, status: parsed.status, reason: parsed.reason });
      return;
    }
    const query = parsed.query;
    await this.hub.run(req.path, () => new SignalChannelSource(new SeriesShape(query, this.uid)), sender, ctx.signal);
  }

  publishStream(): PublishStreamResult {
    return { status: 'permissionDenied' };
  }

  dispose(): void {
    this.hub.close();
  }

  private async history(query: NormalizedQuery, request: DataQuery, ctx: RequestContext, fromAlert: boolean): Promise<DataResponse> {
    const window = historyWindow(request.timeRange, query.sampleIntervalMs, request.maxDataPoints, query.seriesCount);
    const meta: FrameMeta = { preferredVisualisationType: 'graph' };
    if (window.cappedByPoints) {
      const notice: Notice = {
        severity: 'warning',
        text: `Showing the latest ${window.rows} of ${window.rows + window.omittedRows} samples; increase sampleIntervalMs or narrow the time range to see all of them.`,
      };
      meta.notices = [notice];
    }
    // Alert rules evaluate plain QueryData and never subscribe, so they get no channel.
    if (query.withStreaming && !fromAlert) {
      meta.channel = this.channelFor(query);
    }
    const frames = await runFrameTask(ctx, signalHistoryTask, {
      query: streamQuery(query),
      datasourceUid: this.uid,
      labels: { refId: request.refId, meta },
      firstStep: window.firstStep,
      rows: window.rows,
    });
    return { frames, status: 200 };
  }

  private channelFor(query: StreamQuery): string {
    const channel = formatChannel({ scope: 'ds', namespace: this.uid, path: encodeChannelPath(query) });
    if (typeof channel === 'string') {
      return channel;
    }
    if (query.alias !== '') {
      throw new QueryError(
        `invalid query field "alias": too long for a live channel (${channel.message}); ` +
          `Grafana Live channels hold at most ${MAX_CHANNEL_LENGTH} characters, so shorten the alias or turn off With Streaming`,
        400,
      );
    }
    throw new QueryError(`cannot build a live channel for this datasource: ${channel.message}`, 500);
  }
}

/** The fields that shape a query's series (what a worker thread needs to compute its history). */
function streamQuery(query: NormalizedQuery): StreamQuery {
  const { signal, seriesCount, sampleIntervalMs, amplitude, offset, periodMs, alias } = query;
  return { signal, seriesCount, sampleIntervalMs, amplitude, offset, periodMs, alias };
}

/** Grafana marks queries from alert rule evaluation with the `FromAlert: true` header. */
function isAlertQuery(ctx: RequestContext): boolean {
  return ctx.headers?.FromAlert === 'true';
}
