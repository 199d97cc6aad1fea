/**
 * Contracts between the parts of a message source (MQTT now; WebSocket, SSE, HTTP polling later):
 * the transport (connects, subscribes, buffers raw messages), the mapping (payload → rows), and the
 * datasource glue (QueryData from the buffer, RunStream from the live feed). Raw payloads are what the
 * buffer keeps, so queries with different mappings share one subscription and its history.
 */

/** One message as received, before any mapping. */
export interface RawMessage {
  /** Concrete topic (MQTT) or stream name (other sources). */
  topic: string;
  payload: Buffer;
  /** Arrival time, ms since the epoch (Date.now() at receipt). */
  receivedAtMs: number;
  /** Increasing per subscription, never reused: lets a stream continue a history with no gap and no duplicate. */
  seq: number;
}

/** What the connection is doing, for CheckHealth and frame notices. */
export type ConnectionState =
  | { state: 'connecting'; since: number; attempt: number; lastError?: string }
  | { state: 'connected'; since: number }
  | { state: 'failing'; since: number; error: string; retryInMs: number }
  | { state: 'closed'; since: number };

/** Counts since the subscription started. */
export interface SubscriptionStats {
  received: number;
  droppedByAge: number;
  droppedByCount: number;
  droppedByMemory: number;
  /** Payloads over the size limit, never buffered. */
  rejectedOversize: number;
  bufferedMessages: number;
  bufferedBytes: number;
}

/** A shared subscription to one topic filter: held by every query/stream using it, released by each. */
export interface Subscription {
  readonly filter: string;
  /** Buffered messages with receivedAtMs / seq in range, oldest first (a copy; bounded by the buffer). */
  history(range: { fromMs: number; toMs: number }): RawMessage[];
  /** Calls `listener` for every message after `afterSeq` (buffered ones first, then live). Returns unsubscribe. */
  follow(afterSeq: number, listener: (messages: RawMessage[]) => void): () => void;
  stats(): SubscriptionStats;
  /** Drops this holder; the subscription ends after the idle grace once nobody holds it. */
  release(): void;
}

/** Outcome of Save & test for a message source. */
export interface ProbeResult {
  ok: boolean;
  /** One line for the user: "Connected to mqtt://… ; received a message on t/1 after 120 ms" or the exact error. */
  message: string;
  /** The first message, if one arrived in time (payload shown as text, clipped). */
  sample?: { topic: string; payload: string; receivedAtMs: number };
}
