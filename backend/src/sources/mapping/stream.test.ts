/**
 * SeriesStreamMapper through Grafana's own StreamingDataFrame (the browser's buffer for a live
 * channel): the QueryData frame that names the channel is its first content, then our packets.
 * Checks what a panel sees: one field per topic and payload field with the topic's labels, history
 * and live rows joined with no gap and no duplicate, nulls where a message lacks a field.
 */
import type { DataFrame, DataFrameJSON } from '@grafana/data';
import type { Frame } from '@tributary/grafana-backend-sdk/frames';
import { MAPPING_LIMITS, type PayloadMapping } from '../../../../src/shared/mapping';
import type { RawMessage } from '../contracts';
import { mapHistory } from './history';
import { SeriesStreamMapper, type StreamPacket } from './stream';
import { asGrafana, dataFrameToJSON, msg, StreamingDataFrame, T0, type GrafanaStreamingFrame } from './testSupport';

const mapping: PayloadMapping = { format: 'json', timeSource: 'arrival', topicPattern: 'sensors/{device}/env' };
const CHANNEL = 'ds/uid-1/mqtt/abc';

const decode = (p: StreamPacket) => JSON.parse(Buffer.from(p.bytes).toString('utf8')) as DataFrameJSON;

/**
 * The browser side: the QueryData frame as DataSourceWithBackend hands it to Grafana Live (read from
 * the response JSON, written back with dataFrameToJSON), then each packet as Live applies them.
 */
function browser(initial: Frame, packets: Array<StreamPacket | undefined>): GrafanaStreamingFrame {
  const sdf = StreamingDataFrame.fromDataFrameJSON(dataFrameToJSON(asGrafana(initial)), { maxLength: 10_000 });
  for (const p of packets) if (p) sdf.push(decode(p));
  return sdf;
}

/** Per series (by display name): its labels and its [time, value] rows for one payload field. */
function panelView(df: DataFrame) {
  const time = df.fields[0].values as number[];
  const view: Record<string, { labels: unknown; rows: Array<[number, unknown]> }> = {};
  for (const f of df.fields.slice(1)) {
    view[f.config.displayNameFromDS ?? f.name] = { labels: f.labels, rows: time.map((t, i) => [t, f.values[i]] as [number, unknown]) };
  }
  return view;
}

/** Rows of a field where it has a value (what a line or a table of that series shows). */
const points = (df: DataFrame, display: string) => {
  const f = df.fields.find((x) => x.config.displayNameFromDS === display);
  if (!f) throw new Error(`no series "${display}" in ${df.fields.map((x) => x.config.displayNameFromDS).join(', ')}`);
  return (df.fields[0].values as number[]).flatMap((t, i) => (f.values[i] === null || f.values[i] === undefined ? [] : [[t, f.values[i]]]));
};

describe('a live channel with several topics, through Grafana StreamingDataFrame', () => {
  it('history then packets: one series per topic with labels, no duplicates, nulls for missing fields, new fields and topics join', () => {
    const history = [msg('sensors/a/env', { temp: 20, hum: 50 }, T0), msg('sensors/b/env', { temp: 30 }, T0 + 10), msg('sensors/a/env', { temp: 21, hum: 51 }, T0 + 20)];
    const mapper = new SeriesStreamMapper(mapping, { refId: 'A', channel: CHANNEL, topicFilter: 'sensors/+/env' });
    const initial = mapper.seed(history);
    expect(initial.meta?.channel).toBe(CHANNEL);

    // The stream follows the subscription from the last seq of the history: replayed ones are ignored.
    const p1 = mapper.push([history[2], msg('sensors/b/env', { temp: 31, hum: 70 }, T0 + 30)]); // b's first hum
    const p2 = mapper.push([msg('sensors/a/env', { temp: 22, co2: 400 }, T0 + 40)]); // new field
    const p3 = mapper.push([msg('sensors/c/env', { temp: 40 }, T0 + 50)]); // new topic
    const p4 = mapper.push([msg('sensors/b/env', { temp: 32, hum: 71 }, T0 + 60)]);
    expect([p1, p2, p3, p4].map((p) => p?.schema)).toEqual([true, true, true, false]);
    expect([p1, p2, p3, p4].map((p) => p?.rows)).toEqual([1, 1, 1, 1]);

    const sdf = browser(initial, [p1, p2, p3, p4]);
    expect(sdf.refId).toBe('A');
    expect(sdf.meta?.channel).toBe(CHANNEL);
    expect(sdf.length).toBe(7); // 3 history rows + 4 live rows, none twice
    expect(sdf.fields[0].values).toEqual([T0, T0 + 10, T0 + 20, T0 + 30, T0 + 40, T0 + 50, T0 + 60]);

    const view = panelView(sdf);
    expect(Object.keys(view)).toEqual(['temp a', 'hum a', 'temp b', 'hum b', 'co2 a', 'temp c']);
    expect(view['temp a'].labels).toEqual({ topic: 'sensors/a/env', device: 'a' });
    expect(view['temp c'].labels).toEqual({ topic: 'sensors/c/env', device: 'c' });
    expect(points(sdf, 'temp a')).toEqual([[T0, 20], [T0 + 20, 21], [T0 + 40, 22]]);
    expect(points(sdf, 'temp b')).toEqual([[T0 + 10, 30], [T0 + 30, 31], [T0 + 60, 32]]);
    expect(points(sdf, 'hum b')).toEqual([[T0 + 30, 70], [T0 + 60, 71]]);
    expect(points(sdf, 'co2 a')).toEqual([[T0 + 40, 400]]);
    // In a row of series a, a field its message lacked is null (the sensor sent no humidity then).
    expect(view['hum a'].rows[4]).toEqual([T0 + 40, null]);
    // b's humidity joined live: Grafana leaves its earlier rows empty, never another series' value.
    expect(view['hum b'].rows.slice(0, 3).map(([, v]) => v)).toEqual([undefined, undefined, undefined]);
  });

  it('history + stream equals the history of the whole span, and the per-series QueryData frames', () => {
    const all: RawMessage[] = [];
    for (let i = 0; i < 40; i++) {
      const device = ['a', 'b', 'c'][i % 3];
      const payload = i % 7 === 0 ? { temp: i } : { temp: i, hum: 100 - i, ok: i % 2 === 0 };
      all.push(msg(`sensors/${device}/env`, payload, T0 + Math.floor(i / 2))); // ties within a series too
    }
    const whole = browser(new SeriesStreamMapper(mapping).seed(all), []);
    for (const cut of [0, 1, 17, 39, 40]) {
      const mapper = new SeriesStreamMapper(mapping);
      const initial = mapper.seed(all.slice(0, cut));
      const packets = [mapper.push(all.slice(cut, cut + 5)), mapper.push(all.slice(cut + 5))];
      const joined = browser(initial, packets);
      for (const display of Object.keys(panelView(whole))) expect(points(joined, display)).toEqual(points(whole, display));
    }
    // The same rows as mapHistory's one-frame-per-series answer (ms resolution, as the stream keeps).
    const frames = mapHistory(all, mapping).frames;
    for (const f of frames) {
      const device = f.fields[1].labels!.device;
      const times = Array.from(f.fields[0].values as BigInt64Array, (ns) => Number(ns / 1_000_000n));
      const temps = Array.from(f.fields[1].values as Float64Array);
      expect(points(whole, `temp ${device}`)).toEqual(times.map((t, i) => [t, temps[i]]));
    }
  });

  it('series publishing at the same instants share rows, so their lines have no nulls between points', () => {
    const timed: PayloadMapping = { format: 'json', timeSource: 'payload', timeField: 't', topicPattern: 'sensors/{device}/env' };
    const at = (k: number) => new Date(T0 + k * 1000).toISOString();
    const mapper = new SeriesStreamMapper(timed);
    const initial = mapper.seed([msg('sensors/a/env', { t: at(0), v: 1 }), msg('sensors/b/env', { t: at(0), v: 10 }), msg('sensors/b/env', { t: at(1), v: 11 })]);
    const p = mapper.push([msg('sensors/a/env', { t: at(1), v: 2 }), msg('sensors/b/env', { t: at(2), v: 12 }), msg('sensors/a/env', { t: at(2), v: 3 })]);
    const sdf = browser(initial, [p]);
    // seed: rows at 0 (a+b) and 1 (b); the packet: 1 (a) and 2 (a+b). Never one message per row.
    expect(sdf.fields[0].values).toEqual([T0, T0 + 1000, T0 + 1000, T0 + 2000]);
    expect(p!.rows).toBe(2);
    expect(points(sdf, 'v a')).toEqual([[T0, 1], [T0 + 1000, 2], [T0 + 2000, 3]]);
    expect(points(sdf, 'v b')).toEqual([[T0, 10], [T0 + 1000, 11], [T0 + 2000, 12]]);
  });

  it('drops rows older than the series newest row, counts them and says so; ties move 1 ns later', () => {
    const mapper = new SeriesStreamMapper({ format: 'json', timeSource: 'payload', timeField: 'ts' });
    const initial = mapper.seed([msg('t', { ts: T0 + 100, v: 1 })]);
    const p = mapper.push([msg('t', { ts: T0 + 50, v: 2 }), msg('t', { ts: T0 + 100, v: 3 }), msg('u', { ts: T0 + 50, v: 4 })]);
    expect(mapper.stats().droppedOutOfOrder).toBe(1);
    expect(p!.schema).toBe(true);
    const packet = decode(p!);
    expect(packet.schema!.meta!.notices!.map((n) => n.text)).toContain('messages on "t" older than its newest row are dropped by the live stream (a refresh shows them in order)');
    expect(packet.data!.values[0]).toEqual([T0 + 100, T0 + 50]);
    expect(packet.data!.nanos![0]).toEqual([1, 0]); // the tie at T0+100 moved 1 ns later
    const sdf = browser(initial, [p]);
    expect(points(sdf, 'v t')).toEqual([[T0 + 100, 1], [T0 + 100, 3]]);
    expect(points(sdf, 'v u')).toEqual([[T0 + 50, 4]]);
  });

  it('keeps every message of a burst in one millisecond (the third and later ties are not "older"), each 1 ns after the previous', () => {
    // Found by `npm run bench -- mqtt`: a publisher sending 5 messages per topic in one millisecond lost 3 of them.
    const mapper = new SeriesStreamMapper({ format: 'json', timeSource: 'payload', timeField: 'ts' });
    const initial = mapper.seed([msg('t', { ts: T0, v: 0 })]);
    const p1 = mapper.push([1, 2, 3].map((v) => msg('t', { ts: T0 + 10, v })));
    const p2 = mapper.push([4, 5].map((v) => msg('t', { ts: T0 + 10, v })).concat(msg('t', { ts: T0 + 5, v: 6 })));
    expect(mapper.stats().droppedOutOfOrder).toBe(1); // only the one really older than T0+10
    expect(decode(p1!).data!.nanos![0]).toEqual([0, 1, 2]);
    expect(decode(p2!).data!.nanos![0]).toEqual([3, 4]);
    const sdf = browser(initial, [p1, p2]);
    expect(points(sdf, 'v t').map(([, v]) => v)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a type change and rejected messages reach the panel as notices; the stream goes on', () => {
    const mapper = new SeriesStreamMapper({ format: 'json', timeSource: 'arrival' }, { topicFilter: 'x' });
    const initial = mapper.seed([msg('x', { v: 1 }, T0)]);
    const p1 = mapper.push([msg('x', { v: 'one' }, T0 + 1), msg('x', 'garbage', T0 + 2), msg('x', { v: 2 }, T0 + 3)]);
    const p2 = mapper.push([msg('x', { v: 'two' }, T0 + 4), msg('x', '{', T0 + 5)]);
    expect(p1!.schema).toBe(true);
    expect(p2!.schema).toBe(false); // already reported
    const sdf = browser(initial, [p1, p2]);
    expect(sdf.meta?.notices?.map((n) => n.text)).toEqual([
      'some messages are not mapped: not valid JSON',
      'field "v" of "x" changed type from number to string; its string values are shown as null',
    ]);
    expect(sdf.fields[1].values).toEqual([1, null, 2, null]);
    expect(mapper.stats()).toMatchObject({ mapped: 4, rejected: { 'invalid-json': 2 } });
  });

  it('a new mapper (backend restarted) sends its schema first and Grafana keeps the rows it had by field name', () => {
    const first = new SeriesStreamMapper(mapping);
    const initial = first.seed([msg('sensors/a/env', { temp: 1 }, T0), msg('sensors/b/env', { temp: 2 }, T0 + 1)]);
    const afterRestart = new SeriesStreamMapper(mapping, { afterSeq: first.lastSeq });
    // The restarted process saw b first this time: column order differs, names do not.
    const p = afterRestart.push([msg('sensors/b/env', { temp: 3 }, T0 + 2), msg('sensors/a/env', { temp: 4 }, T0 + 3)]);
    expect(p!.schema).toBe(true);
    const sdf = browser(initial, [p]);
    expect(points(sdf, 'temp a')).toEqual([[T0, 1], [T0 + 3, 4]]);
    expect(points(sdf, 'temp b')).toEqual([[T0 + 1, 2], [T0 + 2, 3]]);
  });

  it(`carries at most ${MAPPING_LIMITS.maxChannelColumns} fields and says so; QueryData keeps them all`, () => {
    const wide = Object.fromEntries(Array.from({ length: MAPPING_LIMITS.maxFieldsPerSeries }, (_, i) => [`k${i}`, i]));
    const topics = ['a', 'b', 'c', 'd'].map((d) => msg(`sensors/${d}/env`, wide));
    const mapper = new SeriesStreamMapper(mapping);
    const initial = mapper.seed(topics);
    expect(initial.fields).toHaveLength(1 + MAPPING_LIMITS.maxChannelColumns);
    expect(initial.meta?.notices?.[0].text).toMatch(/the stream carries at most 1000 fields/);
    expect(mapper.push([msg('sensors/d/env', { k0: 1, k255: 2 }, T0 + 1)])!.schema).toBe(false);
    expect(mapHistory(topics, mapping).frames.map((f) => f.fields.length)).toEqual([257, 257, 257, 257]);
  });

  it('SubscribeStream schema packet, then data-only packets', () => {
    const mapper = new SeriesStreamMapper({ format: 'number', timeSource: 'arrival' }, { channel: CHANNEL, topicFilter: 'k/v' });
    mapper.seed([msg('k/v', '1', T0)]);
    const schema = decode(mapper.schemaPacket());
    expect(Object.keys(schema)).toEqual(['schema']);
    expect(schema.schema!.fields.map((f) => f.name)).toEqual(['time', 'v k/v']);
    expect(mapper.push([])).toBeUndefined();
    const data = mapper.push([msg('k/v', '2', T0 + 1)])!;
    expect(Object.keys(decode(data))).toEqual(['data']);
    expect(data.points).toBe(1);
  });
});

describe("why not Grafana's `labels` column layout", () => {
  it('Grafana StreamingDataFrame cannot add a field once a labels-layout frame has two series', () => {
    const schema = (names: string[]) => ({
      schema: { fields: [{ name: 'labels', type: 'string' }, { name: 'time', type: 'time' }, ...names.map((name) => ({ name, type: 'number' }))] },
    });
    const sdf = StreamingDataFrame.fromDataFrameJSON({ ...schema(['temp']), data: { values: [['device=a', 'device=b'], [T0, T0 + 1], [1, 2]] } } as DataFrameJSON);
    expect(sdf.fields).toHaveLength(3); // time, temp{a}, temp{b}: pivoted
    sdf.push(schema(['temp', 'hum']) as DataFrameJSON);
    expect(() => sdf.push({ data: { values: [['device=a'], [T0 + 2], [3], [4]] } } as DataFrameJSON)).toThrow('push message mismatch');
  });
});
