/**
 * A Tributary channel as the SDK's live hub sees it: a grid source whose rows are the query's
 * samples. The hub decides when packets go out; this only says what the rows are and how many one
 * packet may carry.
 */
import type { EncodedPacket, GridChannelSource } from '@tributary/grafana-backend-sdk/live';
import type { SeriesShape } from './series';

/** Most points one packet carries; after a stall older due samples are skipped (and counted), newest kept. */
export const MAX_POINTS_PER_PACKET = 10_000;

export class SignalChannelSource implements GridChannelSource {
  readonly kind = 'grid';
  readonly intervalMs: number;
  readonly maxRowsPerPacket: number;
  readonly pointsPerRow: number;
  /** Values are a pure function of the step, so the hub may encode a packet before it is due. */
  readonly rowsKnownAhead = true;

  constructor(private readonly shape: SeriesShape) {
    this.intervalMs = shape.sampleIntervalMs;
    this.pointsPerRow = shape.seriesCount;
    this.maxRowsPerPacket = Math.max(1, Math.floor(MAX_POINTS_PER_PACKET / shape.seriesCount));
  }

  schemaPacket(): EncodedPacket {
    return this.shape.schemaPacket();
  }

  encodeRows(firstStep: number, rows: number): EncodedPacket {
    return this.shape.dataPacket(firstStep, rows);
  }
}
