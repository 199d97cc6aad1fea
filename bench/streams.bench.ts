/**
 * Tributary live streams, plugin side: the real datasource instance, hub and frame-JSON encoder on
 * real timers, with a StreamSender that stands in for the gRPC transport (always has room).
 *
 * Figures, each next to a baseline measured in this same run:
 *  - packets/s and points/s per channel and across 100 channels, vs the configured rate;
 *  - push latency p50/p99: a packet's newest sample due (its timestamp) → packet handed to the sender,
 *    vs the lateness of a bare setTimeout loop on the same 100 × 20 Hz schedule (what the timer costs),
 *    split into the wake-up's own lateness (first packet of each instant) and the time a packet waited
 *    for the channels served before it in the same wake-up;
 *  - event-loop delay p99 under load vs idle (`monitorEventLoopDelay`);
 *  - memory per active channel (RSS and heap deltas after GC), at 100 and 1000 channels;
 *  - CPU per packet, and the packet rate one core could sustain at that cost, vs the CPU of one bare
 *    timer callback on the same schedule (with the same measuring harness running).
 * Targets (docs/datasource.md): 100 channels × 20 Hz, p99 push latency ≤ 5 ms, event-loop delay
 * p99 ≤ 20 ms, ≤ 64 KiB per channel.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { TributaryInstance } from '../backend/src/datasource/instance';
import { factoryContext, instanceSettings, requestContext, streamRequest } from '../backend/src/datasource/testSupport';
import { encodeChannelPath, type StreamQuery } from '../backend/src/datasource/channelPath';
import { atMost, verdict } from './support/targets';
import type { StreamSender } from '@tributary/grafana-backend-sdk';
import { Samples, epochNow, fmt, line, ratio, sleep } from './support';

const CHANNELS = Number(process.env.BENCH_STREAMS_CHANNELS ?? 100);
const RATE_HZ = 20;
const SERIES = 3;
const RUN_MS = Number(process.env.BENCH_STREAMS_MS ?? 10_000);

// ------------------------------------------------------------------ helpers

setFlagsFromString('--expose-gc');
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (runInNewContext('gc') as () => void);

function settle(): void {
  for (let i = 0; i < 3; i++) gc();
}

/**
 * Per packet: the due time of its newest sample and its latency. Packets due at the same instant
 * share one wake-up, so the earliest of them shows the timer's lateness and the rest show the work
 * queued before them (the other channels served first in that wake-up).
 */
class LatencyLog {
  readonly latency = new Samples();
  private readonly due = new Samples();
  add(dueMs: number, latencyMs: number): void {
    this.due.add(dueMs);
    this.latency.add(latencyMs);
  }
  clear(): void {
    this.due.clear();
    this.latency.clear();
  }
  /** Latency of the first packet of each instant (timer lateness), and of every packet beyond it (queueing). */
  breakdown(): { firstOfInstant: Samples; queued: Samples } {
    const earliest = new Map<number, number>();
    for (let i = 0; i < this.due.count; i++) {
      const due = this.due.at(i);
      earliest.set(due, Math.min(earliest.get(due) ?? Number.POSITIVE_INFINITY, this.latency.at(i)));
    }
    const firstOfInstant = new Samples();
    for (const value of earliest.values()) firstOfInstant.add(value);
    const queued = new Samples();
    for (let i = 0; i < this.due.count; i++) queued.add(this.latency.at(i) - earliest.get(this.due.at(i))!);
    return { firstOfInstant, queued };
  }
}

const DATA_PREFIX = '{"data":{"values":[['; // data-only packets; the schema packet starts {"schema"
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** The newest timestamp (epoch ms) of a data-only packet, read off the bytes; NaN for other packets. */
function newestTimestamp(bytes: Uint8Array): number {
  if (bytes[2] !== 0x64 /* d */) return Number.NaN;
  let end = DATA_PREFIX.length;
  while (bytes[end] !== CLOSE_BRACKET) end++;
  let start = end;
  while (start > DATA_PREFIX.length && bytes[start - 1] !== COMMA) start--;
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (bytes[i] - 0x30);
  return value;
}

/** Sender that measures, per packet, how long after its newest sample was due it arrived. */
class MeasuringSender implements StreamSender {
  closed = false;
  packets = 0;
  points = 0;
  constructor(
    private readonly latency: LatencyLog,
    private readonly series: number,
  ) {}
  sendFrame(): boolean {
    throw new Error('not used');
  }
  sendJSON(): boolean {
    throw new Error('not used');
  }
  sendBytes(bytes: Uint8Array): boolean {
    // Read the clock first and parse the bytes without allocating, so the measurement itself adds
    // as little as possible to the latency of the channels served after this one.
    const at = epochNow();
    const due = newestTimestamp(bytes);
    if (!Number.isNaN(due)) {
      this.latency.add(due, at - due);
      this.packets++;
      // rows = commas in the time column + 1
      let rows = 1;
      for (let i = DATA_PREFIX.length; bytes[i] !== CLOSE_BRACKET; i++) if (bytes[i] === COMMA) rows++;
      this.points += rows * this.series;
    }
    return true;
  }
  drained(): Promise<void> {
    return Promise.resolve();
  }
}

function query(i: number, sampleIntervalMs: number): StreamQuery {
  return { signal: 'random-walk', seriesCount: SERIES, sampleIntervalMs, amplitude: 1 + i, offset: 0, periodMs: 1000, alias: '' };
}

interface Load {
  senders: MeasuringSender[];
  latency: LatencyLog;
  stop(): Promise<void>;
}

function openChannels(instance: TributaryInstance, count: number, sampleIntervalMs: number, latency = new LatencyLog()): Load {
  const stops: AbortController[] = [];
  const senders: MeasuringSender[] = [];
  const runs: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const sender = new MeasuringSender(latency, SERIES);
    senders.push(sender);
    const stop = new AbortController();
    stops.push(stop);
    runs.push(instance.runStream(streamRequest(encodeChannelPath(query(i, sampleIntervalMs))), sender, requestContext(stop.signal)));
  }
  return {
    senders,
    latency,
    stop: async () => {
      stops.forEach((stop) => stop.abort());
      await Promise.all(runs);
    },
  };
}

/** Lateness of bare self-scheduling timers on the same grid (the floor for any timer-driven push). */
async function timerBaseline(count: number, intervalMs: number, durationMs: number): Promise<Samples> {
  const lateness = new Samples();
  const timers: NodeJS.Timeout[] = [];
  const end = Date.now() + durationMs;
  for (let i = 0; i < count; i++) {
    const tick = (due: number) => {
      lateness.add(epochNow() - due);
      const next = (Math.floor(Date.now() / intervalMs) + 1) * intervalMs;
      if (next < end) timers[i] = setTimeout(() => tick(next), next - Date.now());
    };
    const first = (Math.floor(Date.now() / intervalMs) + 1) * intervalMs;
    timers[i] = setTimeout(() => tick(first), first - Date.now());
  }
  await sleep(durationMs + intervalMs * 2);
  timers.forEach(clearTimeout);
  return lateness;
}

async function loopDelayP99(work: () => Promise<void>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  await work();
  histogram.disable();
  return histogram.percentile(99) / 1e6;
}

// ------------------------------------------------------------------ run

async function main(): Promise<void> {
  const settings = instanceSettings({ maxSeries: SERIES, maxPacketsPerSecond: RATE_HZ }, 'bench-uid');
  const instance = new TributaryInstance(settings, factoryContext(new Registry()), { version: 'bench' });
  const sampleIntervalMs = 1000 / RATE_HZ;
  const seconds = RUN_MS / 1000;
  console.log(`streams: ${CHANNELS} channels × ${RATE_HZ} Hz × ${SERIES} series, ${seconds}s per phase, Node ${process.version}`);

  // Baselines: idle loop, bare timers on the same schedule, memory with no channel.
  const idleDelay = await loopDelayP99(() => sleep(Math.min(RUN_MS, 3000)));
  let baselineLoad!: Samples;
  let timerCpu!: NodeJS.CpuUsage;
  const timerDelay = await loopDelayP99(async () => {
    const cpuBefore = process.cpuUsage();
    baselineLoad = await timerBaseline(CHANNELS, sampleIntervalMs, Math.min(RUN_MS, 5000));
    timerCpu = process.cpuUsage(cpuBefore);
  });
  // What one bare timer callback costs in this process, loop-delay monitor included: the floor under
  // any timer-driven packet.
  const cpuPerTimerCallbackUs = (timerCpu.user + timerCpu.system) / baselineLoad.count;
  settle();
  const idleMemory = process.memoryUsage();

  // One channel.
  const single = openChannels(instance, 1, sampleIntervalMs);
  await sleep(RUN_MS);
  await single.stop();
  const singlePps = single.senders[0].packets / seconds;
  const singlePts = single.senders[0].points / seconds;

  // 100 channels: rate, latency, loop delay, CPU — measured after a 1 s warm-up, in steady state.
  // Baseline for memory per channel: after the 1-channel run (code already compiled), with the
  // benchmark's own latency buffer already allocated.
  const loadLatency = new LatencyLog();
  settle();
  const warmMemory = process.memoryUsage();
  let load!: Load;
  let cpu!: NodeJS.CpuUsage;
  let packets = 0;
  let points = 0;
  const loadDelay = await loopDelayP99(async () => {
    load = openChannels(instance, CHANNELS, sampleIntervalMs, loadLatency);
    await sleep(1000);
    load.latency.clear();
    const packetsBefore = load.senders.reduce((n, s) => n + s.packets, 0);
    const pointsBefore = load.senders.reduce((n, s) => n + s.points, 0);
    const cpuBefore = process.cpuUsage();
    await sleep(RUN_MS);
    cpu = process.cpuUsage(cpuBefore);
    packets = load.senders.reduce((n, s) => n + s.packets, 0) - packetsBefore;
    points = load.senders.reduce((n, s) => n + s.points, 0) - pointsBefore;
  });
  settle();
  const loadMemory = process.memoryUsage();
  await load.stop();
  const cpuPerPacketUs = (cpu.user + cpu.system) / packets;

  // Memory at 1000 channels (slow rate: memory, not CPU, is what is measured here).
  settle();
  const beforeMany = process.memoryUsage();
  const many = openChannels(instance, 1000, 1000);
  await sleep(2500);
  settle();
  const manyMemory = process.memoryUsage();
  await many.stop();
  instance.dispose();

  const kib = (bytes: number) => bytes / 1024;
  const perChannel100 = { rss: kib(loadMemory.rss - warmMemory.rss) / CHANNELS, heap: kib(loadMemory.heapUsed - warmMemory.heapUsed) / CHANNELS };
  const perChannel1000 = { rss: kib(manyMemory.rss - beforeMany.rss) / 1000, heap: kib(manyMemory.heapUsed - beforeMany.heapUsed) / 1000 };

  console.log('\nthroughput (configured: 20 packets/s per channel)');
  line('1 channel: packets/s', fmt(singlePps, 1), `${ratio(singlePps, RATE_HZ)} of configured`);
  line('1 channel: points/s', fmt(singlePts, 1), `${ratio(singlePts, RATE_HZ * SERIES)} of configured`);
  line(`${CHANNELS} channels: packets/s (total)`, fmt(packets / seconds, 0), `${ratio(packets / seconds, CHANNELS * RATE_HZ)} of configured`);
  line(`${CHANNELS} channels: points/s (total)`, fmt(points / seconds, 0), `${ratio(points / seconds, CHANNELS * RATE_HZ * SERIES)} of configured`);
  line('CPU per packet (µs), whole process incl. GC', fmt(cpuPerPacketUs, 1), `→ ~${fmt(1e6 / cpuPerPacketUs, 0)} packets/s per core`);
  line('CPU per bare timer callback (µs), same schedule', fmt(cpuPerTimerCallbackUs, 1), `baseline (${ratio(cpuPerPacketUs, cpuPerTimerCallbackUs)} of it per packet)`);

  console.log('\npush latency: newest sample due → packet handed to sender (ms)');
  const pushLatency = load.latency.latency;
  line('p50', fmt(pushLatency.quantile(0.5)), `bare timer baseline ${fmt(baselineLoad.quantile(0.5))} (${ratio(pushLatency.quantile(0.5), baselineLoad.quantile(0.5))})`);
  line('p99', fmt(pushLatency.quantile(0.99)), `bare timer baseline ${fmt(baselineLoad.quantile(0.99))} (${ratio(pushLatency.quantile(0.99), baselineLoad.quantile(0.99))}); target ${atMost(pushLatency.quantile(0.99), 5, 'ms')}`);
  // What the latency is made of: the wake-up's own lateness (first packet of each instant) versus
  // the work of the channels served before a packet in the same wake-up.
  const { firstOfInstant, queued } = load.latency.breakdown();
  line('first packet of each instant p50 / p99', `${fmt(firstOfInstant.quantile(0.5))} / ${fmt(firstOfInstant.quantile(0.99))}`, 'timer lateness + one channel\'s work');
  line(`queued behind other channels p50 / p99`, `${fmt(queued.quantile(0.5))} / ${fmt(queued.quantile(0.99))}`, `work of the channels served earlier in the same wake-up (${CHANNELS} share one timer)`);

  console.log('\nevent-loop delay p99 (ms)');
  line('idle', fmt(idleDelay), 'baseline');
  line('bare timers, same schedule', fmt(timerDelay), ratio(timerDelay, idleDelay) + ' of idle');
  line(`${CHANNELS} channels × ${RATE_HZ} Hz`, fmt(loadDelay), `${ratio(loadDelay, idleDelay)} of idle; target ${atMost(loadDelay, 20, 'ms')}`);

  console.log('\nmemory per active channel (KiB), after GC');
  line('idle process RSS (MiB)', fmt(idleMemory.rss / 1048576, 1), 'baseline');
  line(
    `${CHANNELS} channels × ${RATE_HZ} Hz: RSS / heap per channel`,
    `${fmt(perChannel100.rss, 1)} / ${fmt(perChannel100.heap, 1)}`,
    `${ratio(perChannel100.rss, 64)} / ${ratio(perChannel100.heap, 64)} of the 64 KiB target: RSS ${verdict(perChannel100.rss <= 64)}, heap ${verdict(perChannel100.heap <= 64)} (RSS includes V8's young generation, which grows with the allocation rate)`,
  );
  line(
    '1000 channels × 1 Hz: RSS / heap per channel',
    `${fmt(perChannel1000.rss, 1)} / ${fmt(perChannel1000.heap, 1)}`,
    `${ratio(perChannel1000.rss, 64)} / ${ratio(perChannel1000.heap, 64)} of the 64 KiB target: RSS ${verdict(perChannel1000.rss <= 64)}, heap ${verdict(perChannel1000.heap <= 64)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
