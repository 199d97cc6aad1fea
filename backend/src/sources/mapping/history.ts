/**
 * Buffered messages → QueryData frames, one frame per series (concrete topic): a time field and one
 * nullable field per payload field, each labelled with the series' labels. Grafana joins such frames
 * by time itself, so series that publish at different times draw as unbroken lines.
 */
import { frame, type Frame, type Notice } from '@tributary/grafana-backend-sdk/frames';
import type { PayloadMapping } from '../../../../src/shared/mapping';
import type { RawMessage } from '../contracts';
import { compileMapping, type CompileOptions, type CompiledMapping } from './compile';
import { boundNotices, overflowNotice, rejectedNotice, timeFallbackText } from './notices';
import { advanceSeries, byTimeThenSeq, emptyRejectCounts, toRow, writeRow, type RejectCounts, type Row } from './rows';
import { SeriesRegistry, type Series, type SeriesField } from './series';
import { ColumnTable, valueField } from './table';

export interface MapOptions extends CompileOptions {
  refId?: string;
}

export interface HistoryResult {
  /** One per series in order of first message; a lone empty frame carries the notices when nothing mapped but something was rejected. */
  frames: Frame[];
  rows: number;
  rejected: RejectCounts;
  /** Messages of topics beyond MAPPING_LIMITS.maxSeries. */
  droppedSeries: number;
  /** Highest seq among `messages` (mapped or not), -1 when there were none: where a stream continues. */
  lastSeq: number;
}

/** Rows of every series, each series sorted by time and made strictly increasing. */
export function orderedRows(messages: readonly RawMessage[], mapping: CompiledMapping, registry: SeriesRegistry, rejected: RejectCounts): Row[][] {
  const perSeries: Row[][] = [];
  for (const message of messages) {
    const row = toRow(message, mapping, registry, rejected);
    if (!row) continue;
    (perSeries[row.series.index] ??= []).push(row);
  }
  for (const rows of perSeries) {
    rows.sort(byTimeThenSeq);
    for (const row of rows) advanceSeries(row, false);
  }
  return perSeries;
}

export function seriesFrameNotices(series: Series, mapping: CompiledMapping, rows: readonly Row[]): Notice[] {
  const notices = [...series.notices];
  const fallbacks = rows.reduce((n, r) => n + (r.timeFallback ? 1 : 0), 0);
  if (fallbacks > 0) notices.push({ severity: 'warning', text: timeFallbackText(series.topic, mapping, fallbacks) });
  return notices;
}

export function mapHistory(messages: readonly RawMessage[], mapping: PayloadMapping, options: MapOptions = {}): HistoryResult {
  const compiled = compileMapping(mapping, options);
  const registry = new SeriesRegistry(compiled);
  const rejected = emptyRejectCounts();
  const perSeries = orderedRows(messages, compiled, registry, rejected);
  const frames: Frame[] = [];
  let rowCount = 0;
  for (const series of registry.list) {
    const rows = perSeries[series.index] ?? [];
    const table = new ColumnTable<SeriesField>();
    for (const row of rows) {
      table.addRow(row.time);
      writeRow(row, registry, table, (_s, f) => f);
    }
    rowCount += rows.length;
    const notices = boundNotices(seriesFrameNotices(series, compiled, rows));
    frames.push(
      frame({
        name: series.topic,
        refId: options.refId,
        meta: notices ? { notices } : undefined,
        fields: [table.timeField(), ...series.fields.map((f) => valueField(f.name, f.kind, table.column(f), { ...series.labels }, { displayNameFromDS: f.displayName }))],
      }),
    );
  }
  const queryNotices = [rejectedNotice(rejected, compiled), overflowNotice(registry.overflow)].filter((n): n is Notice => n !== undefined);
  if (queryNotices.length > 0) {
    if (frames.length === 0) frames.push(frame({ refId: options.refId, fields: [] }));
    const first = frames[0];
    first.meta = { ...first.meta, notices: boundNotices([...queryNotices, ...(first.meta?.notices ?? [])]) };
  }
  let lastSeq = -1;
  for (const m of messages) if (m.seq > lastSeq) lastSeq = m.seq;
  return { frames, rows: rowCount, rejected, droppedSeries: registry.overflow, lastSeq };
}
