/**
 * Payload mapping speed: messages/s mapped from a 10-field nested JSON payload, next to JSON.parse
 * alone on the same payloads in the same run (the floor: every JSON message is parsed once).
 * Cases: QueryData (`mapHistory` of 1000 buffered messages over 10 topics, frames built) and a live
 * channel (`SeriesStreamMapper.push` of 1000-message batches, arrival time, packet JSON encoded).
 * Target: ≥ 100k messages/s on one core, so mapping takes at most a fifth of a core at the issue's
 * 20k messages/s.
 */
import { mapHistory, SeriesStreamMapper } from '../backend/src/sources/mapping';
import type { RawMessage } from '../backend/src/sources/contracts';
import type { PayloadMapping } from '../src/shared/mapping';
import { atLeast } from './support/targets';

const MIN_MS = Number(process.env.BENCH_MS ?? 600);
const mapping: PayloadMapping = { format: 'json', timeSource: 'payload', timeField: 'ts', topicPattern: 'sensors/{device}/env' };

/** 10 value fields over 3 levels, plus an RFC 3339 time, like the demo publisher's payloads. */
function payload(i: number, t: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      ts: new Date(t).toISOString(),
      env: { temp: 20 + Math.random() * 5, hum: 40 + Math.random() * 20, co2: Math.round(400 + Math.random() * 200) },
      power: { v: 229 + Math.random() * 2, a: Math.random() * 10, on: i % 2 === 0 },
      loc: { site: 'north', pos: { x: i % 17, y: i % 13 } },
      status: i % 5 === 0 ? 'warn' : 'ok',
    }),
  );
}

function messages(n: number, firstSeq: number): RawMessage[] {
  const t0 = Date.now();
  return Array.from({ length: n }, (_, i) => ({ topic: `sensors/d${i % 10}/env`, payload: payload(i, t0 + i), receivedAtMs: t0 + i, seq: firstSeq + i }));
}

/** Best messages/s of `fn` over interleaved rounds against `baseline`, each given a batch of `size`. */
function compare(batches: RawMessage[][], ours: (b: RawMessage[]) => unknown, baseline: (b: RawMessage[]) => unknown): [number, number] {
  const rounds = 12;
  const best = [0, 0];
  let k = 0;
  [ours, baseline].forEach((fn) => {
    for (let i = 0; i < 5; i++) fn(batches[k++ % batches.length]);
  });
  for (let round = 0; round < rounds; round++) {
    [ours, baseline].forEach((fn, which) => {
      let count = 0;
      const start = performance.now();
      let now = start;
      while (now - start < MIN_MS / rounds) {
        const batch = batches[k++ % batches.length];
        fn(batch);
        count += batch.length;
        now = performance.now();
      }
      best[which] = Math.max(best[which], (count / (now - start)) * 1000);
    });
  }
  return [best[0], best[1]];
}

const parseAll = (batch: RawMessage[]) => {
  let n = 0;
  for (const m of batch) n += JSON.parse(m.payload.toString('utf8')) ? 1 : 0;
  return n;
};
const fmt = (perSecond: number) => `${(perSecond / 1000).toFixed(0)}k`;

console.log(`node ${process.version}, ${MIN_MS} ms per side, best of 12 interleaved rounds; payload ${payload(0, Date.now()).length} bytes, 10 value fields`);
console.log('| case | ours msgs/s | JSON.parse alone msgs/s | ours / JSON.parse | target |');
console.log('|---|---:|---:|---:|---|');
{
  const batches = Array.from({ length: 8 }, (_, b) => messages(1000, b * 1000));
  const [ours, bare] = compare(batches, (b) => mapHistory(b, mapping), parseAll);
  console.log(`| mapHistory, 1000 messages / 10 topics → frames | ${fmt(ours)} | ${fmt(bare)} | ${(ours / bare).toFixed(2)} | ${atLeast(ours / 1000, 100, 'k msgs/s')} |`);
}
/**
 * The live case at the rate: 20k messages/s (20 arrive per millisecond, round-robin over the 10
 * topics) in packets of 1000 (20 packets/s); `spread` gives every message its own millisecond instead,
 * the worst case for the channel frame (one row per message, the other 90 columns null in it).
 */
function streamCase(label: string, msPerMessage: number): void {
  // Arrival time here: replayed payload times would be older than the series' newest row and dropped.
  const mapper = new SeriesStreamMapper({ ...mapping, timeSource: 'arrival' });
  let seq = 0;
  let t = Date.now();
  const batches = Array.from({ length: 8 }, () => messages(1000, 0));
  // Batches are reused, so each call renumbers them in place (a replayed seq would be skipped).
  const push = (batch: RawMessage[]) => {
    for (const m of batch) {
      t += msPerMessage;
      m.seq = ++seq;
      m.receivedAtMs = Math.floor(t);
    }
    return mapper.push(batch);
  };
  const [ours, bare] = compare(batches, push, parseAll);
  console.log(`| SeriesStreamMapper.push, 1000-message batches, ${label} → packet JSON | ${fmt(ours)} | ${fmt(bare)} | ${(ours / bare).toFixed(2)} | ${atLeast(ours / 1000, 100, 'k msgs/s')} |`);
}
streamCase('20 messages per ms', 1 / 20);
streamCase('one message per ms (worst case)', 1);
