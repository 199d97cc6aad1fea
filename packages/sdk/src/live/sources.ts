/**
 * What a datasource gives the live hub for one channel. Sources only produce rows; the hub alone
 * decides when a packet goes out (see pacing.ts), so a source never sets timers of its own for pacing.
 *
 *  - `ChannelSource` (push): events arrive when they arrive (a message broker, a socket). The source
 *    emits batches as they come; the hub merges the batches gathered since the last packet into the
 *    next one.
 *  - `GridChannelSource` (pull): rows exist on a fixed time grid (a sampled signal, a poller of a
 *    regular series). The hub asks for the rows that have become due when a packet is due.
 */
import type { EncodedPacket } from './subscriber';

export type { EncodedPacket } from './subscriber';

/** A push source. `B` is its batch of samples. */
export interface ChannelSource<B> {
  /** Optional tag; a `ChannelSource` is any source whose `kind` is not `'grid'`. */
  readonly kind?: 'push';
  /** The first packet of every RunStream (usually the frame schema), so late joiners get field names. */
  schemaPacket(): EncodedPacket | undefined;
  /**
   * Produces batches through `emit` until `signal` aborts. Returning before that, or throwing, counts
   * as a transient failure: the hub calls `run` again after a backoff. `emit` may be called at any
   * moment and as often as events arrive: every batch emitted between two packets goes into the next
   * packet, so a reader that keeps up loses nothing.
   */
  run(emit: (batch: B) => void, signal: AbortSignal): Promise<void>;
  /** Merges the batches gathered since the last packet (in emit order) into one data-only packet. */
  encode(batches: readonly B[]): EncodedPacket;
}

/**
 * A pull source on a time grid: row `step` has the timestamp `step × intervalMs` (epoch ms). When a
 * packet is due at time t the hub asks for every row after the last one it sent up to t, so packet
 * boundaries are the same in every process that serves the channel.
 */
export interface GridChannelSource {
  readonly kind: 'grid';
  /** Grid spacing in ms (> 0). */
  readonly intervalMs: number;
  /**
   * Most rows one packet carries. After a stall (a blocked event loop, a suspended machine) the
   * oldest due rows beyond this are skipped, newest kept, and reported to `HubObserver.pointsSkipped`.
   * The hub never sends fewer than one packet slot's worth, whatever this says.
   */
  readonly maxRowsPerPacket: number;
  /** Data points per row (value fields), for the skipped-points count. */
  readonly pointsPerRow: number;
  /**
   * True when a row's values are known before its time comes (a pure function of the step). The hub
   * then encodes each packet while the process is idle, right after the previous one, and sends it
   * when due: channels that fall due together each hand over a ready packet instead of waiting for
   * the others to encode theirs.
   */
  readonly rowsKnownAhead?: boolean;
  /** The first packet of every RunStream (usually the frame schema). */
  schemaPacket(): EncodedPacket | undefined;
  /** One data-only packet holding rows `firstStep … firstStep + rows - 1` (rows ≥ 1). */
  encodeRows(firstStep: number, rows: number): EncodedPacket;
}

/** Either kind of source; `kind: 'grid'` tells them apart. */
export type LiveSource<B> = ChannelSource<B> | GridChannelSource;
