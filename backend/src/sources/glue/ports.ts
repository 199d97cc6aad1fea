/**
 * What the datasource glue needs from a message source's transport and from the payload mapping.
 * The transport (backend/src/sources/mqtt) and the mapping (backend/src/sources/mapping) provide them;
 * index.ts binds the real modules. Kept as interfaces so the glue serves any message source kind.
 */
import type { Frame, Notice } from '@tributary/grafana-backend-sdk/frames';
import type { EncodedPacket } from '@tributary/grafana-backend-sdk/live';
import type { PayloadMapping } from '../../../../src/shared/mapping';
import type { ConnectionState, ProbeResult, RawMessage, Subscription } from '../contracts';

/** A subscription; a web source's also knows the state of its own upstream (one connection per stream). */
export interface SourceSubscription extends Subscription {
  state?(): ConnectionState;
}

/**
 * One datasource's message source, whatever its kind (MQTT, WebSocket, SSE, HTTP polling). A query
 * names what it subscribes to by one text, its `stream`: the MQTT topic filter, or a web source's
 * stream spec text (`webStreamText`). The glue uses only this interface.
 */
export interface MessageConnection {
  /** Where the data come from, for notices and health (`the broker mqtt://…`, `ws://host/feed`), no secrets. */
  readonly endpoint: string;
  /** Holds the shared subscription of `stream` (created on first use); `release()` it when done. */
  subscribe(stream: string): SourceSubscription;
  /** The state of the connection(s); undefined when a web source has no stream open. */
  state(): ConnectionState | undefined;
  /** Save & test: a fresh connection for `streams[0]` (or the default) that waits up to `waitMs` for a message. */
  probe(streams: string[], waitMs: number): Promise<ProbeResult>;
  /** The mapping's topic filter for a stream (a web stream is one series: no wildcard). */
  seriesFilter(stream: string): string;
  /** A stream as users may see it (no connect message or body, which may hold credentials). */
  describeStream(stream: string): string;
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
