/**
 * One broker connection per datasource settings version, shared by every query and stream: one
 * broker subscription per topic filter (refcounted, kept for an idle grace once nobody holds it),
 * messages routed to every subscription whose filter matches and kept in the datasource's buffer.
 *
 * Reconnecting is ours, not MQTT.js's: each attempt is a fresh client, retried with capped
 * exponential backoff and jitter, and after every connect whose CONNACK says the broker kept no
 * session every live filter is subscribed again (a broker restart otherwise leaves the stream silent
 * while the connection looks healthy).
 */
import mqtt, { type MqttClient, type IConnackPacket, type ISubscriptionGrant } from 'mqtt';
import type { Logger } from '@tributary/grafana-backend-sdk';
import type { ConnectionState, RawMessage, Subscription, SubscriptionStats } from '../contracts';
import type { BufferSettings, MqttSettings } from '../../../../src/shared/mqtt';
import { MessageBuffer, type MessageRing } from '../buffer';
import type { DatasourceSourceMetrics } from '../metrics';
import { defaultClientId, mqttClientOptions, type MqttSecureValues } from './clientOptions';
import { describeConnectError, describeSubackError, displayUrl, subackRefusalCode } from './errors';
import { topicFilterProblem, topicMatches } from './topics';

export interface MqttConnectionOptions {
  settings: MqttSettings;
  secure: MqttSecureValues;
  buffer: BufferSettings;
  logger?: Logger;
  metrics?: DatasourceSourceMetrics;
  /** [0, 1) for the backoff jitter (tests pin it). */
  random?: () => number;
}

/** Most topic filters one connection holds (held or kept warm); past it the oldest idle one is ended first. */
export const MAX_FILTERS_PER_CONNECTION = 1_000;

/** Concrete topics remembered for routing; the cache is emptied when full or when filters change. */
const ROUTE_CACHE_LIMIT = 10_000;

type BrokerState = 'none' | 'pending' | 'subscribed' | 'refused';

interface FilterEntry {
  filter: string;
  ring: MessageRing;
  holders: number;
  idleTimer?: NodeJS.Timeout;
  broker: BrokerState;
  /** Why nothing arrives (the broker refused the subscription), in user words. */
  problem?: string;
}

/** What a holder gets from `subscribe`. */
export interface MqttSubscription extends Subscription {
  /** Why this subscription receives nothing (e.g. the broker refused it), or undefined. */
  problem(): string | undefined;
  /** `pending` until the broker acknowledged it on the current connection (again after each reconnect). */
  brokerState(): 'pending' | 'subscribed' | 'refused';
}

export class MqttConnection {
  readonly clientId: string;
  readonly url: string;
  readonly buffer: MessageBuffer;
  private client?: MqttClient;
  private connectedClient?: MqttClient;
  private current: ConnectionState;
  private failuresInARow = 0;
  private attempts = 0;
  private everConnected = false;
  private lastError?: string;
  private lastLoggedError?: string;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly entries = new Map<string, FilterEntry>();
  private readonly routes = new Map<string, FilterEntry[]>();
  private readonly logger?: Logger;

  constructor(private readonly options: MqttConnectionOptions) {
    this.clientId = options.settings.clientId || defaultClientId();
    this.url = displayUrl(options.settings.url);
    this.logger = options.logger?.with({ broker: this.url, clientId: this.clientId });
    this.buffer = new MessageBuffer(options.buffer, {
      observer: options.metrics?.bufferObserver,
      onListenerError: (error) => this.logger?.error('message listener failed', { error: String(error) }),
    });
    this.current = { state: 'connecting', since: Date.now(), attempt: 1 };
    this.connect();
  }

  /** The truth now: connecting (attempt n, last error), connected, failing (error, next retry) or closed. */
  state(): ConnectionState {
    return { ...this.current };
  }

  /**
   * A holder of the shared subscription to `filter` (created and subscribed at the broker if new).
   * Throws an Error whose message says why when the filter is not a valid MQTT topic filter.
   */
  subscribe(filter: string): MqttSubscription {
    if (this.closed) throw new Error('the MQTT connection is closed');
    const problem = topicFilterProblem(filter);
    if (problem) throw new Error(`invalid topic filter: ${problem}`);
    let entry = this.entries.get(filter);
    if (!entry) {
      if (this.entries.size >= MAX_FILTERS_PER_CONNECTION) this.makeRoomForFilter();
      entry = { filter, ring: this.buffer.createRing(filter), holders: 0, broker: 'none' };
      this.entries.set(filter, entry);
      this.routes.clear();
      this.options.metrics?.subscriptions(1);
      this.brokerSubscribe(entry);
    }
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    entry.holders++;
    return this.holder(entry);
  }

  private makeRoomForFilter(): void {
    for (const idle of this.entries.values()) {
      if (idle.holders === 0) {
        clearTimeout(idle.idleTimer);
        this.endEntry(idle);
        return;
      }
    }
    throw new Error(`too many topic filters in use on this datasource (at most ${MAX_FILTERS_PER_CONNECTION})`);
  }

  /** Topic filters currently subscribed or kept warm (for health and tests). */
  filters(): string[] {
    return [...this.entries.keys()];
  }

  /** Closes the broker connection, every subscription and buffer; no timer is left behind. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const entry of this.entries.values()) clearTimeout(entry.idleTimer);
    this.options.metrics?.subscriptions(-this.entries.size);
    this.entries.clear();
    this.routes.clear();
    this.buffer.close();
    this.setState({ state: 'closed', since: Date.now() });
    const client = this.client;
    this.client = undefined;
    this.connectedClient = undefined;
    if (client) await endClient(client);
  }

  private holder(entry: FilterEntry): MqttSubscription {
    let released = false;
    return {
      filter: entry.filter,
      history: (range) => entry.ring.history(range),
      follow: (afterSeq: number, listener: (messages: RawMessage[]) => void) => entry.ring.follow(afterSeq, listener),
      stats: (): SubscriptionStats => entry.ring.stats(),
      problem: () => entry.problem,
      brokerState: () => (entry.broker === 'none' ? 'pending' : entry.broker),
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  private release(entry: FilterEntry): void {
    entry.holders--;
    if (entry.holders > 0 || this.closed) return;
    entry.idleTimer = setTimeout(() => this.endEntry(entry), this.options.buffer.idleGraceSeconds * 1000);
    entry.idleTimer.unref();
  }

  private endEntry(entry: FilterEntry): void {
    if (this.entries.get(entry.filter) !== entry || entry.holders > 0) return;
    this.entries.delete(entry.filter);
    this.routes.clear();
    entry.ring.close();
    this.options.metrics?.subscriptions(-1);
    const client = this.connectedClient;
    if (client && (entry.broker === 'subscribed' || entry.broker === 'pending')) {
      client.unsubscribe(entry.filter, (error) => {
        if (error) this.logger?.debug('unsubscribe failed', { filter: entry.filter, error: String(error.message) });
      });
    }
  }

  private connect(): void {
    if (this.closed) return;
    this.attempts++;
    this.setState({ state: 'connecting', since: Date.now(), attempt: this.attempts, lastError: this.lastError });
    let client: MqttClient;
    try {
      client = mqtt.connect(this.options.settings.url, mqttClientOptions(this.options.settings, this.options.secure, this.clientId));
    } catch (error) {
      // Bad PEM or an unusable URL throw synchronously: the same path as a failed attempt.
      this.attemptFailed(undefined, error);
      return;
    }
    this.client = client;
    client.on('connect', (connack) => this.onConnect(client, connack));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (error) => this.attemptFailed(client, error));
    client.on('close', () => this.attemptFailed(client, undefined));
  }

  private onConnect(client: MqttClient, connack: IConnackPacket): void {
    if (client !== this.client) return;
    this.connectedClient = client;
    if (this.everConnected) this.options.metrics?.reconnected();
    this.everConnected = true;
    this.failuresInARow = 0;
    this.attempts = 0;
    this.lastError = undefined;
    this.lastLoggedError = undefined;
    this.setState({ state: 'connected', since: Date.now() });
    this.logger?.info('connected to the MQTT broker', { sessionPresent: connack.sessionPresent });
    // The broker kept no session: it knows none of our subscriptions any more.
    if (!connack.sessionPresent) for (const entry of this.entries.values()) entry.broker = 'none';
    for (const entry of this.entries.values()) if (entry.broker === 'none') this.brokerSubscribe(entry);
  }

  /** The current attempt or connection ended (error or close; called for both, acts once). */
  private attemptFailed(client: MqttClient | undefined, error: unknown): void {
    if (this.closed || client !== this.client) return;
    if (error !== undefined) this.lastError = describeConnectError(error, this.options.settings.url, this.options.settings.connectTimeoutMs);
    this.client = undefined;
    this.connectedClient = undefined;
    if (client) void endClient(client);
    for (const entry of this.entries.values()) if (entry.broker === 'pending' || entry.broker === 'subscribed') entry.broker = 'none';
    const errorText = this.lastError ?? 'the broker closed the connection';
    this.failuresInARow++;
    const retryInMs = this.backoffMs();
    this.setState({ state: 'failing', since: Date.now(), error: errorText, retryInMs });
    if (errorText !== this.lastLoggedError) {
      this.logger?.warn('MQTT connection failed', { error: errorText, retryInMs });
      this.lastLoggedError = errorText;
    }
    this.retryTimer = setTimeout(() => this.connect(), retryInMs);
  }

  /** min·2^(n-1) capped at max, then "equal jitter": a random point in its upper half, so replicas spread out. */
  private backoffMs(): number {
    const { reconnectMinMs, reconnectMaxMs } = this.options.settings;
    const exponential = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(30, this.failuresInARow - 1));
    const random = this.options.random ?? Math.random;
    return Math.round(exponential / 2 + (random() * exponential) / 2);
  }

  private brokerSubscribe(entry: FilterEntry): void {
    const client = this.connectedClient;
    if (!client) return;
    entry.broker = 'pending';
    client.subscribe(entry.filter, { qos: this.options.settings.qos }, (error, granted?: ISubscriptionGrant[]) => {
      if (client !== this.connectedClient || this.entries.get(entry.filter) !== entry) return;
      const refusedCode = subackRefusalCode(error, granted);
      if (refusedCode !== undefined) {
        entry.broker = 'refused';
        entry.problem = describeSubackError(entry.filter, refusedCode);
        this.logger?.warn('subscription refused', { filter: entry.filter, code: refusedCode });
      } else if (error) {
        entry.broker = 'none'; // the connection went away: subscribed again on the next connect
      } else {
        entry.broker = 'subscribed';
        entry.problem = undefined;
      }
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.options.metrics?.received();
    const targets = this.route(topic);
    if (targets.length === 0) {
      this.options.metrics?.rejected('no_subscription');
      return;
    }
    const receivedAtMs = Date.now();
    for (const entry of targets) entry.ring.append(topic, payload, receivedAtMs);
  }

  private route(topic: string): FilterEntry[] {
    let targets = this.routes.get(topic);
    if (!targets) {
      targets = [];
      for (const entry of this.entries.values()) if (topicMatches(entry.filter, topic)) targets.push(entry);
      if (this.routes.size >= ROUTE_CACHE_LIMIT) this.routes.clear();
      this.routes.set(topic, targets);
    }
    return targets;
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.options.metrics?.state(state.state);
  }
}

/**
 * Ends a client for good: forced (no DISCONNECT wait), late errors swallowed instead of thrown. Our
 * own listeners stay but ignore a client that is no longer current; MQTT.js's internal ones must stay
 * (they stop its keepalive and connect timers on close).
 */
function endClient(client: MqttClient): Promise<void> {
  client.on('error', () => {});
  return new Promise((resolve) => {
    // An already closed stream never emits 'close' again, so end()'s callback would never come.
    if (!client.stream || client.stream.destroyed) {
      client.end(true);
      resolve();
      return;
    }
    client.end(true, {}, () => resolve());
  });
}
