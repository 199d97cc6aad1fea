/**
 * Round trip through Grafana's own frontend code: our frame JSON fed into @grafana/data's
 * `dataFrameFromJSON` (how panels read QueryData JSON and initial stream data) and
 * `StreamingDataFrame` (how Grafana Live applies a schema packet and then data-only packets).
 *
 * The two modules are loaded from @grafana/data's CommonJS build by file path: the package index also
 * pulls in ESM-only dependencies (marked, d3-*) that this node-environment jest project does not
 * transform, and these two modules need none of them. It is the same code the browser runs.
 */
import * as path from 'node:path';
import type { DataFrame, DataFrameJSON, Field as GrafanaField } from '@grafana/data';
import { boolField, checkFrame, enumField, field, frame, frameToJSON, numberField, stringField, timesFromMillis, type Frame } from './index';

const grafanaDist = path.dirname(require.resolve('@grafana/data'));
const { dataFrameFromJSON } = require(path.join(grafanaDist, 'dataframe/DataFrameJSON.cjs')) as {
  dataFrameFromJSON: (dto: DataFrameJSON) => DataFrame;
};
const { StreamingDataFrame } = require(path.join(grafanaDist, 'dataframe/StreamingDataFrame.cjs')) as {
  StreamingDataFrame: {
    fromDataFrameJSON(frame: DataFrameJSON, opts?: { maxLength?: number }): DataFrame & { push(msg: DataFrameJSON): void };
  };
};

const T0 = 1_700_000_000_000; // epoch ms
const packet = (f: Frame, include: 'all' | 'schema' | 'data') => JSON.parse(frameToJSON(checkFrame(f), include)) as DataFrameJSON;
const byName = (df: DataFrame, name: string) => df.fields.find((f: GrafanaField) => f.name === name)!;

function seriesFrame(startMs: number, values: number[]): Frame {
  // Times 1.000250 ms apart: every row but the first has a sub-millisecond part.
  const ns = timesFromMillis(values.map((_, i) => startMs + i));
  for (let i = 0; i < ns.length; i++) ns[i] += BigInt(i * 250);
  return frame({
    name: 'cpu',
    refId: 'A',
    meta: { channel: 'ds/uid/cpu' },
    fields: [field('time', 'time', ns), numberField('value', Float64Array.from(values), { labels: { host: 'a' }, config: { unit: 'percent' } })],
  });
}

describe("Grafana's dataFrameFromJSON reads our frame JSON", () => {
  it('restores names, types, values, NaN/±Inf, nulls and nanosecond parts', () => {
    const times = BigInt64Array.from([BigInt(T0) * 1_000_000n + 123_456n, BigInt(T0 + 1) * 1_000_000n, BigInt(T0 + 2) * 1_000_000n + 999_999n]);
    const ours = frame({
      name: 'mixed',
      refId: 'B',
      fields: [
        field('time', 'time', times),
        numberField('value', Float64Array.from([NaN, Infinity, -Infinity])),
        numberField('maybe', [1.5, null, -0.25]),
        stringField('host', ['a', null, 'c']),
        boolField('up', [true, false, true]),
        field('count', 'int64', BigInt64Array.from([1n, 2n, 3n])),
        enumField('state', [0, 1, 0], ['ok', 'down']),
      ],
    });
    const df = dataFrameFromJSON(packet(ours, 'all'));
    expect(df.name).toBe('mixed');
    expect(df.refId).toBe('B');
    expect(df.length).toBe(3);
    expect(df.fields.map((f) => [f.name, f.type])).toEqual([
      ['time', 'time'],
      ['value', 'number'],
      ['maybe', 'number'],
      ['host', 'string'],
      ['up', 'boolean'],
      ['count', 'number'],
      ['state', 'enum'],
    ]);
    expect(byName(df, 'time').values).toEqual([T0, T0 + 1, T0 + 2]);
    expect(byName(df, 'time').nanos).toEqual([123_456, 0, 999_999]);
    expect(byName(df, 'value').values).toEqual([NaN, Infinity, -Infinity]);
    expect(byName(df, 'maybe').values).toEqual([1.5, null, -0.25]);
    expect(byName(df, 'host').values).toEqual(['a', null, 'c']);
    expect(byName(df, 'up').values).toEqual([true, false, true]);
    expect(byName(df, 'count').values).toEqual([1, 2, 3]);
    expect(byName(df, 'state').values).toEqual([0, 1, 0]);
    expect(byName(df, 'state').config.type?.enum?.text).toEqual(['ok', 'down']);
  });
});

describe("Grafana's StreamingDataFrame applies a schema packet, then data-only packets", () => {
  it('appends data-only packets to the schema it got first', () => {
    const first = seriesFrame(T0, [1, 2]);
    const sdf = StreamingDataFrame.fromDataFrameJSON(packet(first, 'all'), { maxLength: 100 });
    sdf.push(packet(seriesFrame(T0 + 2, [3, NaN]), 'data'));
    sdf.push(packet(seriesFrame(T0 + 4, [Infinity, -Infinity, 7]), 'data'));

    expect(sdf.refId).toBe('A');
    expect(sdf.meta?.channel).toBe('ds/uid/cpu');
    expect(sdf.fields.map((f) => [f.name, f.type])).toEqual([
      ['time', 'time'],
      ['value', 'number'],
    ]);
    expect(byName(sdf, 'value').labels).toEqual({ host: 'a' });
    expect(byName(sdf, 'value').config.unit).toBe('percent');
    expect(sdf.length).toBe(7);
    // Epoch ms, floored like Go's UnixMilli (the packets' sub-ms parts travel in `nanos`).
    expect(byName(sdf, 'time').values).toEqual([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5, T0 + 6]);
    expect(byName(sdf, 'value').values).toEqual([1, 2, 3, NaN, Infinity, -Infinity, 7]);
  });

  it('a data-only packet carries no schema, and a schema-only packet no data', () => {
    const f = seriesFrame(T0, [1]);
    expect(Object.keys(packet(f, 'data'))).toEqual(['data']);
    expect(Object.keys(packet(f, 'schema'))).toEqual(['schema']);
    const sdf = StreamingDataFrame.fromDataFrameJSON(packet(f, 'schema'));
    expect(sdf.length).toBe(0);
    sdf.push(packet(f, 'data'));
    expect(byName(sdf, 'value').values).toEqual([1]);
  });
});
