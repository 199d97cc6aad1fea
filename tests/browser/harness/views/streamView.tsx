/**
 * A live graph the way a Grafana panel draws a streaming query: the QueryData history seeds
 * @grafana/data's StreamingDataFrame, each RunStream packet is pushed into it (what Grafana Live does
 * on the browser side), and Grafana UI's TimeSeries graph re-draws. The packets come from outside
 * (`window.__stream.push`), sent by a script that talks to the real backend.
 */
import React, { useEffect, useState } from 'react';
import {
  applyFieldOverrides,
  dateTime,
  FieldColorModeId,
  FieldType,
  StreamingDataFrame,
  type DataFrame,
  type DataFrameJSON,
  type GrafanaTheme2,
} from '@grafana/data';
import { LegendDisplayMode } from '@grafana/schema';
import { TimeSeries } from '@grafana/ui';

interface StreamControl {
  seed(history: DataFrameJSON, windowMs: number): void;
  push(packet: DataFrameJSON): void;
  /** The newest time (epoch ms) in the frame the graph draws; 0 before seed(). */
  newestTime(): number;
}

declare global {
  interface Window {
    __stream: StreamControl;
  }
}

const WIDTH = 760;
const HEIGHT = 300;

export function StreamView({ theme }: { theme: GrafanaTheme2 }) {
  const [frame, setFrame] = useState<StreamingDataFrame>();
  const [windowMs, setWindowMs] = useState(60_000);
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    let current: StreamingDataFrame | undefined;
    window.__stream = {
      seed(history, ms) {
        // The panel's time window: rows older than it are dropped, as with a "Last N" range.
        current = StreamingDataFrame.fromDataFrameJSON(history, { maxLength: 100_000, maxDelta: ms });
        setWindowMs(ms);
        setFrame(current);
        setRevision((r) => r + 1);
      },
      push(packet) {
        if (!current) throw new Error('seed() first');
        current.push(packet);
        setRevision((r) => r + 1);
      },
      newestTime: () => {
        const times = current?.fields[0]?.values;
        return times?.length ? Number(times[times.length - 1]) : 0;
      },
    };
  }, []);

  if (!frame) {
    return <div data-testid="stream-waiting">waiting for the stream</div>;
  }
  const now = Date.now();
  const timeRange = { from: dateTime(now - windowMs), to: dateTime(now), raw: { from: `now-${windowMs / 1000}s`, to: 'now' } };
  // applyFieldOverrides gives each series its index and display processor. Outside Grafana its
  // registry of standard options is empty, so the panel's colour and line defaults are set directly.
  const frames: DataFrame[] = applyFieldOverrides({
    data: [frame],
    fieldConfig: { defaults: {}, overrides: [] },
    replaceVariables: (value) => value,
    theme,
    timeZone: 'browser',
  });
  for (const field of frames[0].fields) {
    if (field.type !== FieldType.time) {
      field.config.color = { mode: FieldColorModeId.PaletteClassic };
      field.config.custom = { ...field.config.custom, lineWidth: 2, fillOpacity: 8, showPoints: 'never', spanNulls: true };
    }
  }
  return (
    <div data-testid="stream-graph" data-rows={frame.length} data-revision={revision}>
      <TimeSeries
        frames={frames}
        structureRev={1}
        width={WIDTH}
        height={HEIGHT}
        timeRange={timeRange}
        timeZone="browser"
        legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
      />
    </div>
  );
}
