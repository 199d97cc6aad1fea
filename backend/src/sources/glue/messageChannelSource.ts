/**
 * The upstream of one message-source channel: follows the shared subscription from the stream's start
 * position and hands every message to the live hub, which paces packets (≤ maxPacketsPerSecond, batches
 * gathered since the last packet merged into the next, newest-wins for slow readers).
 *
 * No gap, no duplicate: the first `follow` starts after the last seq the QueryData answer held (its
 * channel path says which); a restart of `run` by the hub resumes after the last seq emitted. While the
 * connection is down, and once when it is back, a packet carries a notice saying so.
 */
import type { Notice } from '@tributary/grafana-backend-sdk/frames';
import type { ChannelSource, EncodedPacket } from '@tributary/grafana-backend-sdk/live';
import type { ConnectionState, RawMessage } from '../contracts';
import { connectionNotice, reconnectedNotice, restartedNotice } from './notices';
import { selectHistory } from './historySelection';
import type { MessageConnection, StreamEncoder } from './ports';

/** What the hub gathers between two packets. */
export interface MessageBatch {
  messages: RawMessage[];
  notices: Notice[];
}

export interface MessageChannelOptions {
  connection: MessageConnection;
  filter: string;
  /** Builds the mapping state from the history the stream continues (called once, at the first run). */
  createEncoder: (history: RawMessage[], afterSeq: number) => StreamEncoder;
  /** Last seq already shown (from the channel path); undefined: start from now (another process's position). */
  afterSeq: number | undefined;
  /** Start of the answer's time range (its rows are the stream's starting columns). */
  fromMs: number;
  /** The source named in notices (`the broker mqtt://…`, a web URL). */
  brokerName: string;
  /** How often the connection state is looked at for notices, ms. */
  statePollMs?: number;
}

export class MessageChannelSource implements ChannelSource<MessageBatch> {
  private lastSeq: number | undefined;
  private pendingNotices: Notice[] = [];
  /** When the connection was last seen down (for the reconnected notice), or undefined when up. */
  private downSince: number | undefined;
  /** `since` of the connected state last seen: a different one means an outage happened between two looks. */
  private connectedSince: number | undefined;
  private encoder: StreamEncoder | undefined;

  constructor(private readonly options: MessageChannelOptions) {
    this.lastSeq = options.afterSeq;
    if (options.afterSeq === undefined) {
      this.pendingNotices.push(restartedNotice());
    }
  }

  /** The current schema (after the first run started; the hub asks right after starting it). */
  schemaPacket(): EncodedPacket | undefined {
    return this.encoder?.schemaPacket();
  }

  encode(batches: readonly MessageBatch[]): EncodedPacket {
    const messages = batches.length === 1 ? batches[0].messages : batches.flatMap((b) => b.messages);
    const notices = batches.flatMap((b) => b.notices);
    return this.encoder!.encode(messages, notices);
  }

  run(emit: (batch: MessageBatch) => void, signal: AbortSignal): Promise<void> {
    const { connection, filter } = this.options;
    return new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const subscription = connection.subscribe(filter);
      if (this.encoder === undefined) {
        // The answer this stream continues, as QueryData selected it (from now: all that is buffered).
        const fromMs = this.lastSeq === undefined ? Number.NEGATIVE_INFINITY : this.options.fromMs;
        const selection = selectHistory(subscription, { fromMs, toMs: Number.POSITIVE_INFINITY }, this.lastSeq);
        this.lastSeq ??= selection.lastSeq;
        this.encoder = this.options.createEncoder(selection.messages, this.lastSeq);
      }
      let unfollow: () => void = () => undefined;
      // A web stream's own upstream when it has one; a source with no open connection counts as connecting.
      const stateOf = (): ConnectionState =>
        subscription.state?.() ?? connection.state() ?? { state: 'connecting', since: Date.now(), attempt: 0 };
      // Started after the current task: the hub attaches its first RunStream right after starting the
      // upstream, and a packet flushed before that would reach nobody.
      queueMicrotask(() => {
        if (signal.aborted) {
          return;
        }
        const notices = this.takeNotices(stateOf());
        if (notices.length > 0) {
          emit({ messages: [], notices });
        }
        unfollow = subscription.follow(this.lastSeq ?? 0, (messages) => {
          // follow() never repeats a seq; filtering keeps that true whatever a listener sees twice.
          const after = this.lastSeq ?? 0;
          const fresh = messages.length > 0 && messages[0].seq > after ? messages : messages.filter((m) => m.seq > after);
          if (fresh.length === 0) {
            return;
          }
          this.lastSeq = fresh[fresh.length - 1].seq;
          emit({ messages: fresh, notices: this.takeNotices(stateOf()) });
        });
      });
      const poll = setInterval(() => {
        const changed = this.takeNotices(stateOf());
        if (changed.length > 0) {
          emit({ messages: [], notices: changed });
        }
      }, this.options.statePollMs ?? 1000);
      signal.addEventListener(
        'abort',
        () => {
          clearInterval(poll);
          unfollow();
          subscription.release();
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Notices owed for the state now: going down (once per outage), coming back (once). */
  private takeNotices(state: ConnectionState): Notice[] {
    const notices = this.pendingNotices;
    this.pendingNotices = [];
    if (state.state !== 'connected') {
      if (this.downSince === undefined) {
        this.downSince = state.since;
        const down = connectionNotice(state, this.options.brokerName);
        if (down) {
          notices.push(down);
        }
      }
    } else {
      if (this.downSince !== undefined) {
        notices.push(reconnectedNotice(this.options.brokerName, this.downSince, state.since));
        this.downSince = undefined;
      } else if (this.connectedSince !== undefined && state.since !== this.connectedSince) {
        // Down and back up between two looks (a quick broker restart): still worth saying.
        notices.push(reconnectedNotice(this.options.brokerName, undefined, state.since));
      }
      this.connectedSince = state.since;
    }
    return notices;
  }
}
