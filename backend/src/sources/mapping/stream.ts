/**
 * The mapping of one live channel. Grafana keeps ONE StreamingDataFrame per channel and applies the
 * QueryData frame that names the channel only as its first content, so every series of the channel
 * travels in one frame: a time field, then one nullable field per (series, field), labelled with the
 * series' labels. A row holds the messages of different series at one instant (usually one message);
 * the fields of series without a message at that instant are null in it.
 *
 * The mapper owns that frame's schema: a new series or field adds columns and the next packet carries
 * the schema again (Grafana then carries existing columns over by name, so names are unique and
 * stable); otherwise packets are data only. Per series, times strictly increase: a row older than
 * the series' newest row is dropped and counted, an equal one moves 1 ns later.
 */
import { checkFrame, frame, frameToJSONBytes, type CheckedFrame, type Field, type Frame, type Notice } from '@tributary/grafana-backend-sdk/frames';
import type { EncodedPacket } from '@tributary/grafana-backend-sdk/live';
import { MAPPING_LIMITS, type PayloadMapping } from '../../../../src/shared/mapping';
import type { RawMessage } from '../contracts';
import { compileMapping, type CompileOptions, type CompiledMapping } from './compile';
import { REJECT_REASONS, type RejectReason } from './decode';
import { orderedRows } from './history';
import { boundNotices, overflowNotice, rejectReasonText, timeFallbackText } from './notices';
import { advanceSeries, byTimeThenSeq, emptyRejectCounts, toRow, writeRow, type RejectCounts, type Row } from './rows';
import { notifyOnce, SeriesRegistry, type Series, type SeriesField } from './series';
import { ColumnTable, valueField } from './table';

export interface StreamMapperOptions extends CompileOptions {
  refId?: string;
  /** `meta.channel` of the frames (`ds/<uid>/<path>`), so Grafana subscribes to it. */
  channel?: string;
}

export interface StreamPacket extends EncodedPacket {
  /** Rows in the packet. */
  rows: number;
  /** The packet carries the schema (first packet, or columns / notices changed). */
  schema: boolean;
}

export interface StreamMapperStats {
  mapped: number;
  rejected: Record<RejectReason, number>;
  /** Rows older than their series' newest row, dropped. */
  droppedOutOfOrder: number;
  /** Messages of topics beyond MAPPING_LIMITS.maxSeries, dropped. */
  droppedSeries: number;
  /** Rows that used the arrival time because the payload time was missing or unreadable. */
  timeFallbacks: number;
}

interface Column {
  series: Series;
  field: SeriesField;
  /** Unique in the frame and the same in every process for the same messages. */
  name: string;
  labels: Record<string, string>;
  config: { displayNameFromDS: string };
}

export class SeriesStreamMapper {
  private readonly mapping: CompiledMapping;
  private readonly registry: SeriesRegistry;
  private readonly columns: Column[] = [];
  private readonly columnOf = new Map<SeriesField, Column>();
  private readonly names = new Set<string>();
  private readonly rejected: RejectCounts = emptyRejectCounts();
  /** Notices shown for the whole channel (rejections, too many topics); per-series ones live on the series. */
  private readonly channelNotices = new Map<string, Notice>();
  private historyNotices: Notice[] = [];
  private schemaSent = false;
  /** Set when the column limit was first hit: the next packet carries the notice. */
  private columnsCapped = false;
  private seq: number;
  private counts = { mapped: 0, droppedOutOfOrder: 0, timeFallbacks: 0 };

  /** `afterSeq`: messages with seq ≤ afterSeq are ignored (they are in the history the stream continues). */
  constructor(
    mapping: PayloadMapping,
    private readonly options: StreamMapperOptions & { afterSeq?: number } = {},
  ) {
    this.mapping = compileMapping(mapping, options);
    this.registry = new SeriesRegistry(this.mapping);
    this.seq = options.afterSeq ?? -1;
  }

  /** Seq of the newest message taken into account; a stream continuing this one follows after it. */
  get lastSeq(): number {
    return this.seq;
  }

  stats(): StreamMapperStats {
    return { ...this.counts, rejected: { ...this.rejected }, droppedSeries: this.registry.overflow };
  }

  /**
   * The history the channel starts with (the QueryData frame that carries `meta.channel`), all rows
   * sorted by time; the mapper then continues after the newest of `messages`. Call before `push`.
   */
  seed(messages: readonly RawMessage[]): Frame {
    const fresh = messages.filter((m) => m.seq > this.seq);
    for (const m of fresh) if (m.seq > this.seq) this.seq = m.seq;
    const perSeries = orderedRows(fresh, this.mapping, this.registry, this.rejected);
    const rows = perSeries.flat().sort(byTimeThenSeq);
    const table = this.table(rows);
    this.columnsCapped = false; // the seeded frame carries the notice itself
    this.historyNotices = this.registry.list.flatMap((s) => {
      const fallbacks = (perSeries[s.index] ?? []).filter((r) => r.timeFallback).length;
      this.counts.timeFallbacks += fallbacks;
      return fallbacks > 0 ? [{ severity: 'warning' as const, text: timeFallbackText(s.topic, this.mapping, fallbacks) }] : [];
    });
    this.noteChannel();
    this.counts.mapped += rows.length;
    this.schemaSent = true;
    return this.frame(table);
  }

  /** The current schema with no rows (SubscribeStream's initial data). */
  schemaFrame(): CheckedFrame {
    return this.frame(new ColumnTable<SeriesField>());
  }

  schemaPacket(): StreamPacket {
    this.schemaSent = true;
    return { bytes: frameToJSONBytes(checkFrame(this.schemaFrame()), 'schema'), points: 0, rows: 0, schema: true };
  }

  /** The packet for a batch of live messages (in arrival order), or undefined when no row came of it. */
  push(messages: readonly RawMessage[]): StreamPacket | undefined {
    const rows: Row[] = [];
    let changed = false;
    for (const message of messages) {
      if (message.seq <= this.seq) continue;
      this.seq = message.seq;
      const row = toRow(message, this.mapping, this.registry, this.rejected);
      if (!row) {
        changed = this.noteChannel() || changed;
        continue;
      }
      if (!advanceSeries(row, true)) {
        this.counts.droppedOutOfOrder++;
        row.series.outOfOrder++;
        changed = notifyOnce(row.series, 'out-of-order', `messages on "${row.series.topic}" older than its newest row are dropped by the live stream (a refresh shows them in order)`) || changed;
        continue;
      }
      if (row.timeFallback) {
        this.counts.timeFallbacks++;
        changed = notifyOnce(row.series, 'time-fallback', timeFallbackText(row.series.topic, this.mapping)) || changed;
      }
      rows.push(row);
    }
    const columnsBefore = this.columns.length;
    const table = new ColumnTable<SeriesField>();
    for (const row of rows) {
      table.addRow(row.time, row.series, true);
      changed = writeRow(row, this.registry, table, (_s, f) => f) || changed;
    }
    this.counts.mapped += rows.length;
    this.syncColumns();
    changed = changed || this.columns.length !== columnsBefore || !this.schemaSent || this.columnsCapped;
    this.columnsCapped = false;
    if (rows.length === 0 && !changed) return undefined;
    this.schemaSent = true;
    const f = this.frame(table);
    let points = 0;
    for (const row of rows) points += row.decoded.names.length;
    return { bytes: frameToJSONBytes(checkFrame(f), changed ? 'all' : 'data'), points, rows: table.rows, schema: changed };
  }

  /** Adds a channel notice, once, for each rejection reason seen and for the first dropped topic. */
  private noteChannel(): boolean {
    let added = false;
    for (const reason of REJECT_REASONS) {
      if (this.rejected[reason] > 0 && !this.channelNotices.has(reason)) {
        this.channelNotices.set(reason, { severity: 'warning', text: `some messages are not mapped: ${rejectReasonText(reason, this.mapping)}` });
        added = true;
      }
    }
    if (this.registry.overflow > 0 && !this.channelNotices.has('overflow')) {
      this.channelNotices.set('overflow', overflowNotice(this.registry.overflow)!);
      added = true;
    }
    return added;
  }

  private table(rows: readonly Row[]): ColumnTable<SeriesField> {
    const table = new ColumnTable<SeriesField>();
    for (const row of rows) {
      table.addRow(row.time, row.series, true);
      writeRow(row, this.registry, table, (_s, f) => f);
    }
    this.syncColumns();
    return table;
  }

  /** Adds frame columns for fields the series gained, in order of appearance. */
  private syncColumns(): void {
    for (const series of this.registry.list) {
      for (const field of series.fields) {
        if (this.columnOf.has(field)) continue;
        if (this.columns.length >= MAPPING_LIMITS.maxChannelColumns) {
          if (!this.channelNotices.has('columns')) {
            this.channelNotices.set('columns', { severity: 'warning', text: `the stream carries at most ${MAPPING_LIMITS.maxChannelColumns} fields; further fields are left out (list the fields you need, or narrow the topic filter)` });
            this.columnsCapped = true;
          }
          return;
        }
        let name = `${field.name} ${series.topic}`;
        for (let k = 2; this.names.has(name); k++) name = `${field.name} ${series.topic} #${k}`;
        this.names.add(name);
        const column = { series, field, name, labels: { ...series.labels }, config: { displayNameFromDS: field.displayName } };
        this.columns.push(column);
        this.columnOf.set(field, column);
      }
    }
  }

  /** Checked once here: the packet encoders take only checked frames. */
  private frame(table: ColumnTable<SeriesField>): CheckedFrame {
    const fields: Field[] = [table.timeField()];
    for (const c of this.columns) fields.push(valueField(c.name, c.field.kind, table.column(c.field), c.labels, c.config));
    const notices = boundNotices([...this.channelNotices.values(), ...this.historyNotices, ...this.registry.list.flatMap((s) => s.notices)]);
    const meta = this.options.channel || notices ? { ...(this.options.channel ? { channel: this.options.channel } : {}), ...(notices ? { notices } : {}) } : undefined;
    return checkFrame(frame({ refId: this.options.refId, meta, fields }));
  }
}

