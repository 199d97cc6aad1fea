/**
 * The generic part of a web source (WebSocket, SSE, HTTP polling): one upstream per distinct stream
 * spec, shared by every query and stream asking for it (refcounted, kept for the buffer's idle grace
 * once nobody holds it, so a dashboard refresh finds its history warm), each with its own history ring
 * in the datasource's MessageBuffer. The transports only say how to run one upstream.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@tributary/grafana-backend-sdk';
import type { ConnectionState, RawMessage, Subscription, SubscriptionStats } from '../contracts';
import type { BufferSettings } from '../../../../src/shared/mqtt';
import { MessageBuffer, type MessageRing } from '../buffer';
import type { DatasourceSourceMetrics } from '../metrics';

/** A running upstream (a connection or a poller) feeding one ring. */
export interface Upstream {
  state(): ConnectionState;
  /** Why messages are missing although the state looks fine (dropped oversize events, …), or undefined. */
  problem(): string | undefined;
  close(): void;
}

export interface UpstreamContext {
  ring: MessageRing;
  /** The upstream's state changed (for the datasource-wide state and metrics). */
  changed(): void;
  logger?: Logger;
  metrics?: DatasourceSourceMetrics;
}

/** What a holder gets from `subscribe`. */
export interface StreamSubscription extends Subscription {
  /** The state of this stream's own upstream. */
  state(): ConnectionState;
  problem(): string | undefined;
}

export interface SharedStreamsOptions {
  buffer: BufferSettings;
  /** Largest message the ring keeps, bytes (bigger ones are counted as `rejectedOversize`). */
  maxPayloadBytes?: number;
  logger?: Logger;
  metrics?: DatasourceSourceMetrics;
}

/**
 * A short digest standing for a text in a stream key (a connect message, a request body): keys are
 * shown in health and state listings, and such texts may carry credentials.
 */
export function keyDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

interface Entry {
  key: string;
  ring: MessageRing;
  upstream: Upstream;
  holders: number;
  idleTimer?: NodeJS.Timeout;
}

const ORDER: ConnectionState['state'][] = ['failing', 'connecting', 'connected', 'closed'];

export class SharedStreams<Spec> {
  readonly buffer: MessageBuffer;
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly options: SharedStreamsOptions,
    /** The spec's identity: equal keys share one upstream. Throws an Error saying why a spec is invalid. */
    private readonly keyOf: (spec: Spec) => string,
    private readonly startUpstream: (spec: Spec, context: UpstreamContext) => Upstream,
  ) {
    this.buffer = new MessageBuffer(options.buffer, {
      observer: options.metrics?.bufferObserver,
      maxPayloadBytes: options.maxPayloadBytes,
      onListenerError: (error) => options.logger?.error('message listener failed', { error: String(error) }),
    });
  }

  /** A holder of the shared stream for `spec` (started if new). Throws an Error saying why when the spec is invalid. */
  subscribe(spec: Spec): StreamSubscription {
    if (this.closed) throw new Error('the source is closed');
    const key = this.keyOf(spec);
    let entry = this.entries.get(key);
    if (!entry) {
      const ring = this.buffer.createRing(key);
      let upstream: Upstream;
      try {
        upstream = this.startUpstream(spec, { ring, changed: () => this.reportState(), logger: this.options.logger, metrics: this.options.metrics });
      } catch (error) {
        ring.close();
        throw error;
      }
      entry = { key, ring, upstream, holders: 0 };
      this.entries.set(key, entry);
      this.options.metrics?.subscriptions(1);
      this.reportState();
    }
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    entry.holders++;
    return this.holder(entry);
  }

  /** Keys of the streams running or kept warm. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Every stream's state (for CheckHealth). */
  states(): { key: string; state: ConnectionState }[] {
    return [...this.entries.values()].map((entry) => ({ key: entry.key, state: entry.upstream.state() }));
  }

  /** The worst state of all streams (failing > connecting > connected), or undefined when none runs. */
  state(): ConnectionState | undefined {
    let worst: ConnectionState | undefined;
    for (const entry of this.entries.values()) {
      const state = entry.upstream.state();
      if (!worst || ORDER.indexOf(state.state) < ORDER.indexOf(worst.state)) worst = state;
    }
    return worst;
  }

  /** Stops every upstream and frees every buffer; no timer is left behind. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.idleTimer);
      entry.upstream.close();
    }
    this.options.metrics?.subscriptions(-this.entries.size);
    this.entries.clear();
    this.buffer.close();
    this.options.metrics?.state('closed');
  }

  private holder(entry: Entry): StreamSubscription {
    let released = false;
    return {
      filter: entry.key,
      history: (range) => entry.ring.history(range),
      follow: (afterSeq: number, listener: (messages: RawMessage[]) => void) => entry.ring.follow(afterSeq, listener),
      stats: (): SubscriptionStats => entry.ring.stats(),
      state: () => entry.upstream.state(),
      problem: () => entry.upstream.problem(),
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  private release(entry: Entry): void {
    entry.holders--;
    if (entry.holders > 0 || this.closed) return;
    entry.idleTimer = setTimeout(() => this.end(entry), this.options.buffer.idleGraceSeconds * 1000);
    entry.idleTimer.unref();
  }

  private end(entry: Entry): void {
    if (this.entries.get(entry.key) !== entry || entry.holders > 0) return;
    this.entries.delete(entry.key);
    entry.upstream.close();
    entry.ring.close();
    this.options.metrics?.subscriptions(-1);
    this.reportState();
  }

  private reportState(): void {
    if (this.closed) return;
    const state = this.state();
    if (state) this.options.metrics?.state(state.state);
  }
}
