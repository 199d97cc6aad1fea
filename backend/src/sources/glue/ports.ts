/**
 * What the datasource glue needs from a message source's transport and from the payload mapping.
 * The transport (backend/src/sources/mqtt) and the mapping (backend/src/sources/mapping) provide them;
 * index.ts binds the real modules. Kept as interfaces so the glue serves any message source kind.
 */
import type { Frame, Notice } from '@tributary/grafana-backend-sdk/frames';
import type { EncodedPacket } from '@tributary/grafana-backend-sdk/live';
import type { PayloadMapping } from '../../../../src/shared/mapping';
import type { ConnectionState, ProbeResult, RawMessage, Subscription } from '../contracts';

export interface MessageConnection {
  /** Holds the shared subscription of `filter` (created on first use); `release()` it when done. */
  subscribe(filter: string): Subscription;
  state(): ConnectionState;
  /** Save & test: a fresh connection that subscribes to `topics` and waits up to `waitMs` for a message. */
  probe(topics: string[], waitMs: number): Promise<ProbeResult>;
  close(): Promise<void> | void;
}

export interface HistoryOptions {
  refId: string;
  alias: string;
  /** The query's topic filter (a filter without wildcards names series by field only). */
  topicFilter: string;
  /** The frames will continue as a stream: they must have the stream's shape. */
  streaming: boolean;
}

export interface MappedHistory {
  frames: Frame[];
  /** Type changes, dropped fields, unparsable payloads: one notice each, for the first frame. */
  notices: Notice[];
}

/** One stream's mapping state (field set, last time per series); encodes each packet once for every reader. */
export interface StreamEncoder {
  /** The frame schema as far as known (sent first to every RunStream), or undefined before any message. */
  schemaPacket(): EncodedPacket | undefined;
  /**
   * Rows of `messages`; with `notices`, the packet carries the schema and these notices in its meta.
   * Always valid frame JSON (a batch that maps to nothing gives an empty data packet).
   */
  encode(messages: RawMessage[], notices: Notice[]): EncodedPacket;
}

/** What a stream continues: the messages of the answer it follows (their columns stay), and its last seq. */
export interface StreamStart {
  topicFilter: string;
  afterSeq: number;
  history: RawMessage[];
}

export interface MessageMapper {
  /** Why a query's mapping cannot be used (named for the query editor), or undefined. */
  mappingError(mapping: unknown): string | undefined;
  history(messages: RawMessage[], mapping: PayloadMapping | undefined, options: HistoryOptions): MappedHistory;
  streamEncoder(mapping: PayloadMapping | undefined, alias: string, start: StreamStart): StreamEncoder;
}
