/**
 * A message-source datasource (MQTT, WebSocket, SSE, HTTP polling): one source per settings version, QueryData from the
 * subscription buffers, streams that continue those answers, Save & test, and the topics resource.
 */
import type { FrameMeta, Notice } from '@tributary/grafana-backend-sdk/frames';
import { datasourcePathBudget, formatChannel, LiveHub } from '@tributary/grafana-backend-sdk/live';
import {
  QueryError,
  type CallResourceRequest,
  type CheckHealthResult,
  type DataResponse,
  type DataSourceInstance,
  type InstanceFactoryContext,
  type Logger,
  type PublishStreamResult,
  type RequestContext,
  type ResourceResponseWriter,
  type RunStreamRequest,
  type StreamSender,
  type SubscribeStreamRequest,
  type SubscribeStreamResult,
  type TypedDataQuery,
  type TypedInstanceSettings,
} from '@tributary/grafana-backend-sdk';
import type { TributaryQuery } from '../../../../src/shared/query';
import type { BufferSettings } from '../../../../src/shared/mqtt';
import type { MessageSourceSettings } from '../../../../src/shared/validation';
import { webStreamHoldsText } from '../../../../src/shared/webValidation';
import { encodeMessageChannelPath, parseMessageChannelPath } from '../../sources/glue/channelPath';
import type { ChannelStore } from '../../sources/glue/channelStore';
import { PROCESS_EPOCH } from '../../sources/glue/epochs';
import { selectHistory } from '../../sources/glue/historySelection';
import { MessageChannelSource, type MessageBatch } from '../../sources/glue/messageChannelSource';
import { connectionNotice, droppedNotice } from '../../sources/glue/notices';
import type { MessageConnection, MessageMapper } from '../../sources/glue/ports';
import { hubObserver, tributaryMetrics, type TributaryMetrics } from '../metrics';
import type { DecodedSettings } from '../settings';
import { probeHealth } from './health';
import { decodeMessageQuery, type MessageQuery } from './queryModel';
import { RecentFilters } from './recentFilters';
import { handleMessageResource } from './resources';

export type MessageSettings = MessageSourceSettings & Pick<DecodedSettings, 'secrets'>;

export interface MessageInstanceOptions {
  version: string;
  mapper: MessageMapper;
  /** Opens the datasource's connection (one per instance; closed on dispose). */
  connect: (input: { settings: MessageSettings; uid: string; logger: Logger; registry: InstanceFactoryContext['metrics'] }) => MessageConnection;
  store: ChannelStore;
}

export class MessageSourceInstance implements DataSourceInstance<TributaryQuery> {
  readonly settings: MessageSettings;
  readonly connection: MessageConnection;
  private readonly uid: string;
  private readonly hub: LiveHub<MessageBatch>;
  private readonly metrics: TributaryMetrics;
  private readonly logger: Logger;
  private readonly recent = new RecentFilters();
  /** The upstream of every running channel (for SubscribeStream's initial schema). */
  private readonly sources = new Map<string, MessageChannelSource>();

  constructor(
    instanceSettings: TypedInstanceSettings<DecodedSettings>,
    factory: InstanceFactoryContext,
    private readonly options: MessageInstanceOptions,
  ) {
    if (instanceSettings.config.sourceKind === 'signals') {
      throw new Error('MessageSourceInstance needs a message source datasource');
    }
    this.settings = instanceSettings.config as MessageSettings;
    this.uid = instanceSettings.uid;
    this.logger = factory.logger.with({ datasourceUid: this.uid });
    this.metrics = tributaryMetrics(factory.metrics);
    this.hub = new LiveHub<MessageBatch>({
      maxPacketsPerSecond: this.settings.maxPacketsPerSecond,
      observer: hubObserver(this.metrics),
      logger: this.logger,
    });
    this.connection = options.connect({ settings: this.settings, uid: this.uid, logger: this.logger, registry: factory.metrics });
  }

  get buffer(): BufferSettings {
    return this.settings.buffer;
  }

  get activeChannels(): number {
    return this.hub.activeChannels;
  }

  decodeQuery(json: unknown): TributaryQuery {
    const minIntervalMs = this.settings.sourceKind === 'http-poll' ? this.settings.httpPoll.minIntervalMs : undefined;
    return decodeMessageQuery(json, this.options.mapper, this.settings.sourceKind, { minIntervalMs }) as unknown as TributaryQuery;
  }

  query(request: TypedDataQuery<TributaryQuery>, ctx: RequestContext): DataResponse {
    const stopTimer = this.metrics.queryDuration.startTimer();
    const query = request.model as unknown as MessageQuery;
    this.recent.add(query.topic);
    const subscription = this.hold(query.topic);
    try {
      const selection = selectHistory(subscription, { fromMs: request.timeRange.from, toMs: request.timeRange.to });
      const streaming = query.withStreaming && ctx.headers?.FromAlert !== 'true';
      const mapped = this.options.mapper.history(selection.messages, query.mapping, {
        refId: request.refId,
        alias: query.alias,
        topicFilter: this.connection.seriesFilter(query.topic),
        streaming,
      });
      const notices: Notice[] = [];
      const state = subscription.state?.() ?? this.connection.state();
      const down = state && connectionNotice(state, this.connection.endpoint);
      if (down) {
        notices.push(down);
      }
      const dropped = droppedNotice(subscription.stats(), this.connection.describeStream(query.topic));
      if (dropped) {
        notices.push(dropped);
      }
      if (selection.omitted > 0) {
        notices.push({
          severity: 'warning',
          text: `Showing the newest ${selection.messages.length} of ${selection.messages.length + selection.omitted} messages in the time range; narrow the range to see the rest.`,
        });
      }
      notices.push(...mapped.notices);
      const frames = mapped.frames;
      if (frames.length === 0) {
        throw new Error('the mapping produced no frame'); // the mapper always returns at least an empty frame
      }
      const first = frames[0];
      const meta: FrameMeta = { ...first.meta };
      if (notices.length > 0) {
        meta.notices = [...(meta.notices ?? []), ...notices];
      }
      if (streaming) {
        meta.channel = this.channelFor(query, selection.lastSeq, request.timeRange.from);
      }
      frames[0] = { ...first, meta };
      return { frames, status: 200 };
    } finally {
      subscription.release();
      stopTimer();
    }
  }

  async checkHealth(): Promise<CheckHealthResult> {
    return probeHealth({
      version: this.options.version,
      connection: this.connection,
      testStreams: this.settings.sourceKind === 'mqtt' && this.settings.mqtt.testTopic ? [this.settings.mqtt.testTopic] : undefined,
      buffer: this.buffer,
      recentFilters: this.recent.list(),
      activeChannels: this.hub.activeChannels,
    });
  }

  async callResource(req: CallResourceRequest, res: ResourceResponseWriter): Promise<void> {
    await handleMessageResource(req, res, { connection: this.connection, recentFilters: () => this.recent.list(), settings: this.settings, hasTopics: this.settings.sourceKind === 'mqtt' });
  }

  subscribeStream(req: SubscribeStreamRequest): SubscribeStreamResult {
    const parsed = parseMessageChannelPath(req.path, this.options.store);
    if (parsed.status !== 'ok') {
      this.logger.info('subscription refused', { path: req.path, reason: parsed.reason });
      return { status: parsed.status };
    }
    // A browser joining a channel that already runs gets its current schema (it may have gained
    // columns since that browser's QueryData frame); a new channel's RunStream sends it first anyway.
    const schema = this.sources.get(req.path)?.schemaPacket();
    return schema ? { status: 'ok', initialData: schema.bytes } : { status: 'ok' };
  }

  async runStream(req: RunStreamRequest, sender: StreamSender, ctx: RequestContext): Promise<void> {
    const parsed = parseMessageChannelPath(req.path, this.options.store);
    if (parsed.status !== 'ok') {
      // Returning cleanly (not an error) so Grafana does not retry a path that can never work.
      ctx.logger.warn('stream refused', { path: req.path, reason: parsed.reason });
      return;
    }
    const { key, position } = parsed;
    const path = req.path;
    const createSource = () => {
      const source = new MessageChannelSource({
        connection: this.connection,
        filter: key.topic,
        createEncoder: (history, afterSeq) =>
          this.options.mapper.streamEncoder(key.mapping, key.alias, { topicFilter: this.connection.seriesFilter(key.topic), afterSeq, history }),
        afterSeq: position.epoch === PROCESS_EPOCH ? position.seq : undefined,
        fromMs: position.fromMs,
        brokerName: this.connection.endpoint,
      });
      this.sources.set(path, source);
      return source;
    };
    try {
      await this.hub.run(path, createSource, sender, ctx.signal);
    } finally {
      if (this.hub.subscriberCount(path) === 0) {
        this.sources.delete(path);
      }
    }
  }

  publishStream(): PublishStreamResult {
    return { status: 'permissionDenied' };
  }

  async dispose(): Promise<void> {
    this.hub.close();
    await this.connection.close();
  }

  /** The subscription of a query's filter; a filter the transport refuses fails only that query. */
  private hold(filter: string) {
    try {
      return this.connection.subscribe(filter);
    } catch (error) {
      throw new QueryError(`invalid query field "${this.settings.sourceKind === 'mqtt' ? 'topic' : 'path'}": ${(error as Error).message}`, 400);
    }
  }

  private channelFor(query: MessageQuery, lastSeq: number, fromMs: number): string {
    // A budget of 0 forces the hashed form: connect messages and bodies never appear in channel names.
    const budget = this.settings.sourceKind !== 'mqtt' && webStreamHoldsText(query.topic) ? 0 : datasourcePathBudget(this.uid);
    const path = encodeMessageChannelPath(
      { topic: query.topic, mapping: query.mapping, alias: query.alias },
      { epoch: PROCESS_EPOCH, seq: lastSeq, fromMs },
      budget,
      this.options.store,
    );
    const channel = formatChannel({ scope: 'ds', namespace: this.uid, path });
    if (typeof channel !== 'string') {
      throw new QueryError(`cannot build a live channel for this datasource: ${channel.message}`, 500);
    }
    return channel;
  }
}

