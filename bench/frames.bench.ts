/**
 * Frame encoding speed: our Arrow writer and frame-JSON writer against the bare apache-arrow recipe and
 * plain JSON.stringify, measured in the same run and printed as ratios. Targets (issue 3):
 * Arrow (time, float64) ≥ 12 M points/s at 1000 rows and ≥ 30 M points/s at 100k rows, per-frame fixed
 * cost ≤ 50 µs, data-only JSON for 1-series frames ≥ 3 M rows/s. Points = rows of (time, value).
 */
import {
  Field as ArrowField,
  Float64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampNanosecond,
  makeData,
  tableToIPC,
} from 'apache-arrow';
import { atLeast, atMost } from './support/targets';
import { checkFrame, frame, frameToArrow, frameToJSON, frameToJSONBytes, numberField, timeField, timesFromMillis, type Frame } from '@tributary/grafana-backend-sdk/frames';

const MIN_MS = Number(process.env.BENCH_MS ?? 600);

/**
 * µs per call of `ours` and `baseline`, interleaved in short rounds so both see the same machine load
 * (the box is shared), keeping each one's best round. Inputs rotate because V8 caches number->string
 * conversions: re-encoding one small frame would measure that cache, not the encoder.
 */
function compare<T>(inputs: T[], ours: (input: T) => unknown, baseline: (input: T) => unknown): [number, number] {
  const rounds = 12;
  const roundMs = MIN_MS / rounds;
  const best = [Infinity, Infinity];
  let k = 0;
  const fns = [ours, baseline];
  for (const fn of fns) for (let i = 0; i < 20; i++) fn(inputs[k++ % inputs.length]); // warm-up
  for (let round = 0; round < rounds; round++) {
    fns.forEach((fn, which) => {
      let calls = 0;
      const start = performance.now();
      let now = start;
      while (now - start < roundMs) {
        for (let i = 0; i < 4; i++) fn(inputs[k++ % inputs.length]);
        calls += 4;
        now = performance.now();
      }
      best[which] = Math.min(best[which], ((now - start) * 1000) / calls);
    });
  }
  return [best[0], best[1]];
}

/** Enough distinct series that their values cannot all sit in V8's number-string cache. */
function variants(rows: number): ReturnType<typeof series>[] {
  const count = Math.max(3, Math.min(200, Math.ceil(300_000 / rows)));
  return Array.from({ length: count }, () => series(rows));
}

function series(rows: number): { ms: Float64Array; ns: BigInt64Array; values: Float64Array } {
  const ms = new Float64Array(rows);
  const values = new Float64Array(rows);
  const t0 = Date.now() - rows * 1000;
  for (let i = 0; i < rows; i++) {
    ms[i] = t0 + i * 1000;
    values[i] = Math.round(Math.random() * 1e6) / 1e3 + Math.random(); // realistic ~17-digit doubles
  }
  return { ms, ns: timesFromMillis(ms), values };
}

function ourFrame(ns: BigInt64Array, values: Float64Array): Frame {
  return frame({
    name: 'cpu',
    refId: 'A',
    meta: { type: 'timeseries-multi', typeVersion: [0, 1], channel: 'ds/uid/cpu' },
    fields: [timeField('time', ns), numberField('value', values, { labels: { host: 'a' }, config: { unit: 'percent' } })],
  });
}

/** The bare apache-arrow recipe (RecordBatchFileWriter), with the same metadata. */
function bareArrow(ns: BigInt64Array, values: Float64Array): Uint8Array {
  const timeType = new TimestampNanosecond();
  const valueType = new Float64();
  const fields = [
    new ArrowField('time', timeType, false, new Map([['tstype', 'time']])),
    new ArrowField('value', valueType, false, new Map([['tstype', 'number'], ['labels', '{"host":"a"}'], ['config', '{"unit":"percent"}']])),
  ];
  const schema = new Schema(fields, new Map([['name', 'cpu'], ['refId', 'A'], ['meta', '{"type":"timeseries-multi","typeVersion":[0,1],"channel":"ds/uid/cpu"}']]));
  const n = ns.length;
  const data = makeData({
    type: new Struct(fields),
    length: n,
    children: [makeData({ type: timeType, length: n, data: ns }), makeData({ type: valueType, length: n, data: values })],
  });
  return tableToIPC(new Table(new RecordBatch(schema, data)), 'file');
}

/** The obvious JSON.stringify way to write the same data-only packet (no entities, no nanos). */
function bareJSON(ms: Float64Array, values: Float64Array): Buffer {
  return Buffer.from(JSON.stringify({ data: { values: [Array.from(ms), Array.from(values)] } }), 'utf8');
}

// "ours" always starts from a plain frame: checkFrame + encode, the work the SDK does once for every
// frame a handler returns.
const rowsFmt = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
const mps = (rows: number, us: number) => (rows / us).toFixed(2); // rows per µs = M rows/s
const lines: string[] = [];
const print = (s: string) => {
  lines.push(s);
  console.log(s);
};

print(`node ${process.version}, ${MIN_MS} ms per side per case, best of 12 interleaved rounds; ratio = ours / baseline throughput (>1 = ours faster)`);
print('');
print('Arrow IPC file per frame, (time ns, float64) with name/refId/meta/labels/config:');
print('| rows | ours µs/frame | ours M points/s | bare apache-arrow µs | bare M points/s | ratio | target |');
print('|---:|---:|---:|---:|---:|---:|---|');
for (const rows of [1, 1000, 100_000]) {
  const inputs = variants(rows).map((s) => ({ ...s, frame: ourFrame(s.ns, s.values) }));
  const [ours, bare] = compare(inputs, (x) => frameToArrow(checkFrame(x.frame)), (x) => bareArrow(x.ns, x.values));
  // One row measures the fixed cost per frame; larger frames the throughput.
  const target = rows === 1 ? atMost(ours, 50, 'µs fixed cost') : atLeast(rows / ours, rows === 1000 ? 12 : 30, 'M points/s');
  print(`| ${rowsFmt(rows)} | ${ours.toFixed(1)} | ${mps(rows, ours)} | ${bare.toFixed(1)} | ${mps(rows, bare)} | ${(bare / ours).toFixed(2)} | ${target} |`);
}

print('');
print('Frame JSON, data-only packet of one (time, float64) series, as Buffer (what a stream packet sends):');
print('| rows | ours µs | ours M rows/s | JSON.stringify µs | JSON.stringify M rows/s | ratio | target |');
print('|---:|---:|---:|---:|---:|---:|---|');
for (const rows of [1, 10, 100, 1000, 10_000]) {
  const inputs = variants(rows).map((s) => ({ ...s, frame: ourFrame(s.ns, s.values) }));
  const [ours, bare] = compare(inputs, (x) => frameToJSONBytes(checkFrame(x.frame), 'data'), (x) => bareJSON(x.ms, x.values));
  print(`| ${rowsFmt(rows)} | ${ours.toFixed(2)} | ${mps(rows, ours)} | ${bare.toFixed(2)} | ${mps(rows, bare)} | ${(bare / ours).toFixed(2)} | ${atLeast(rows / ours, 3, 'M rows/s')} |`);
}

print('');
print('Frame JSON with schema (first packet / JSON QueryData):');
print('| rows | ours µs | JSON.stringify µs (schema object + values) | ratio |');
print('|---:|---:|---:|---:|');
for (const rows of [1, 1000]) {
  const inputs = variants(rows).map((s) => ({ ...s, frame: ourFrame(s.ns, s.values) }));
  const schema = JSON.parse(frameToJSON(checkFrame(inputs[0].frame), 'schema')).schema;
  const [ours, bare] = compare(
    inputs,
    (x) => frameToJSON(checkFrame(x.frame), 'all'),
    (x) => JSON.stringify({ schema, data: { values: [Array.from(x.ms), Array.from(x.values)] } }),
  );
  print(`| ${rowsFmt(rows)} | ${ours.toFixed(2)} | ${bare.toFixed(2)} | ${(bare / ours).toFixed(2)} |`);
}

print('');
print('Building the time column from epoch ms (1M rows):');
{
  const inputs = [series(1_000_000).ms];
  const [ours, bare] = compare(inputs, (ms) => timesFromMillis(ms), (ms) => {
    const out = new BigInt64Array(ms.length);
    for (let i = 0; i < ms.length; i++) out[i] = BigInt(ms[i]) * 1_000_000n;
    return out;
  });
  print(`timesFromMillis ${(1e6 / ours).toFixed(1)} M rows/s vs BigInt(ms) * 1000000n ${(1e6 / bare).toFixed(1)} M rows/s (ratio ${(bare / ours).toFixed(2)})`);
}
