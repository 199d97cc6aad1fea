/**
 * Isolation: do live streams keep their pace, and does memory stay bounded, while QueryData works?
 * (issue 10). Runs the built sidecar (`node dist/backend/main.js --listen unix:…`) and drives it from
 * two more processes over the real plugin protocol, as Grafana would:
 *  - an observer holds CHANNELS live streams (QueryData with streaming → meta.channel →
 *    SubscribeStream → RunStream) at 20 packets/s each and times every packet's arrival;
 *  - a load process sends QueryData: a storm of 50 concurrent callers with mixed sizes, one request of
 *    100 queries × 1M points (Arrow), one of 20 queries × 1M points (JSON), then sequential calls
 *    for throughput.
 * This process only coordinates the phases and samples the sidecar's RSS (VmRSS, and VmHWM reset per
 * phase through /proc/<pid>/clear_refs), so none of the measuring shares the sidecar's event loop.
 *
 * Figures, each phase against the idle phase of the same run: stream lateness (packet arrival − the
 * time of its oldest sample, i.e. its slot) p50/p99/max, the longest gap between two packets of one
 * stream (nominally 50 ms), samples received vs due, sidecar peak RSS, QueryData answers and points/s.
 * Targets: lateness p99 during the storm ≤ 2× idle and ≤ 20 ms; longest gap during a big request
 * ≤ 100 ms; sidecar peak RSS ≤ 300 MiB; QueryData throughput at ≥ 10k points ≥ 1.5× the Go
 * reference (that ratio is printed by `npm run bench:conformance`).
 * Needs `npm run build`. Bounded: about 75 s; every call has a deadline; only the processes started
 * here are stopped, by their PID.
 */
import type * as grpc from '@grpc/grpc-js';
import { tableFromIPC } from 'apache-arrow';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodeRuntime from '../backend/launcher/node-runtime.json';
import { pluginContext, spawnPlugin, type PluginProcess } from '../backend/test/helpers/harness';
import { connect, unary, within, type Clients } from '../tests/support/goplugin';
import { MiB, Samples, epochNow, fmt, procCpuMs, procStatusBytes, ratio, sleep } from './support';

const CHANNELS = Number(process.env.BENCH_ISOLATION_CHANNELS ?? 200);
const STREAM_HZ = 20; // Grafana's default rate cap; one 1-series row per packet
const STREAM_INTERVAL_MS = 1000 / STREAM_HZ;
const PHASE_MS = Number(process.env.BENCH_ISOLATION_MS ?? 10_000); // idle; the storm runs 1.5× this
const STORM_CALLERS = 50;
const STORM_SIZES = [1, 100, 1_000, 10_000, 100_000]; // points per query
const BIG = { queries: 100, points: 1_000_000 };
const BIG_JSON = { queries: 20, points: 1_000_000 };
const CALL_DEADLINE_MS = 60_000;
const SETTLE_MS = 3_000;

const PLUGIN_ID = 'tributary-streaming-datasource';
const UID = 'isolation-bench';
const SETTINGS = { maxSeries: 100, minIntervalMs: 10, maxPacketsPerSecond: STREAM_HZ };
const FORMAT = { arrow: 0, json: 1 } as const;
type Format = keyof typeof FORMAT;

function context(): Record<string, unknown> {
  return { ...pluginContext({ uid: UID, jsonData: SETTINGS }), pluginId: PLUGIN_ID };
}

/** A history query of `points` points on a fixed aligned range: ≥ 100k points use 10 series. */
function historyQuery(refId: string, points: number): Record<string, unknown> {
  const series = points >= 100_000 ? 10 : 1;
  const rows = points / series;
  const to = 1_700_000_000_000;
  const model = { refId, signal: 'sine', seriesCount: series, sampleIntervalMs: 10, amplitude: 10, offset: 0, periodMs: 10_000, withStreaming: false };
  return { refId, maxDataPoints: rows, intervalMS: 1000, timeRange: { fromEpochMS: to - (rows - 1) * 10, toEpochMS: to }, json: Buffer.from(JSON.stringify(model)) };
}

/** The query a dashboard panel with "With Streaming" sends for channel `i`. */
function streamingQuery(i: number): Record<string, unknown> {
  const now = Date.now();
  const model = { refId: `S${i}`, signal: 'sine', seriesCount: 1, sampleIntervalMs: STREAM_INTERVAL_MS, amplitude: 10, offset: i, periodMs: 10_000, withStreaming: true };
  return { refId: `S${i}`, maxDataPoints: 10, intervalMS: 1000, timeRange: { fromEpochMS: now - 1000, toEpochMS: now }, json: Buffer.from(JSON.stringify(model)) };
}

// ------------------------------------------------------------------ messages between the processes

interface PhaseStreams {
  packets: number;
  /** Samples (rows) received: a late stream sends several per packet, a stalled one skips some. */
  rows: number;
  latenessP50: number;
  latenessP99: number;
  latenessMax: number;
  longestGap: number;
  streamErrors: number;
}
interface Answers {
  calls: number;
  points: number;
  bytes: number;
  ms: number;
  statuses: Record<string, number>;
  callErrors: Record<string, number>;
  latencyP50: number;
}
type ToObserver = { type: 'phase'; name: string } | { type: 'report' } | { type: 'stop' };
type FromObserver = { type: 'ready'; channels: number } | { type: 'report'; phases: Record<string, PhaseStreams> } | { type: 'failed'; message: string };
type ToLoad =
  | { type: 'storm'; ms: number }
  | { type: 'big'; queries: number; points: number; format: Format }
  | { type: 'sequential'; points: number; calls: number }
  | { type: 'stop' };
type FromLoad = { type: 'done'; answers: Answers };

function send(message: ToObserver | ToLoad | FromObserver | FromLoad, to: NodeJS.Process | ChildProcess = process): void {
  to.send?.(message);
}

// ------------------------------------------------------------------ observer process: live streams

async function observer(socket: string): Promise<void> {
  const clients = connect({ network: 'unix', address: socket });
  const ctx = context();
  // Ask for the channels the way a dashboard does, and take meta.channel from the frames.
  const queries = Array.from({ length: CHANNELS }, (_, i) => streamingQuery(i));
  const res = await unary(clients.data, 'QueryData', { pluginContext: ctx, queries }, within(CALL_DEADLINE_MS));
  const prefix = `ds/${UID}/`;
  const paths = queries.map((q) => {
    const answer = res.responses[q.refId as string];
    if (answer?.status !== 200) throw new Error(`QueryData ${q.refId as string}: status ${answer?.status} ${answer?.error ?? ''}`);
    const channel = JSON.parse(tableFromIPC(answer.frames[0]).schema.metadata.get('meta') ?? '{}').channel as string | undefined;
    if (!channel?.startsWith(prefix)) throw new Error(`QueryData ${q.refId as string}: no meta.channel under ${prefix}`);
    return channel.slice(prefix.length);
  });
  if (new Set(paths).size !== CHANNELS) throw new Error(`expected ${CHANNELS} distinct channels, got ${new Set(paths).size}`);

  interface Stats {
    packets: number;
    rows: number;
    lateness: Samples;
    longestGap: number;
    streamErrors: number;
  }
  const phases = new Map<string, Stats>();
  const statsFor = (name: string) => {
    let stats = phases.get(name);
    if (!stats) phases.set(name, (stats = { packets: 0, rows: 0, lateness: new Samples(), longestGap: 0, streamErrors: 0 }));
    return stats;
  };
  let current = statsFor('warm-up');
  // When each phase began (epoch ms): a sample counts for the phase its timestamp falls in, whenever
  // it arrives (a stalled stream delivers a phase's samples after it ended).
  const starts: { at: number; stats: Stats }[] = [{ at: 0, stats: current }];
  const phaseOfSample = (timestamp: number) => {
    let i = starts.length - 1;
    while (i > 0 && starts[i].at > timestamp) i--;
    return starts[i].stats;
  };
  const calls: grpc.ClientReadableStream<{ data: Buffer }>[] = [];
  let schemas = 0;
  for (const channelPath of paths) {
    const sub = await unary(clients.stream, 'SubscribeStream', { pluginContext: ctx, path: channelPath }, within(CALL_DEADLINE_MS));
    if (sub.status !== 'OK') throw new Error(`SubscribeStream ${channelPath}: ${sub.status}`);
    const call = clients.stream.RunStream({ pluginContext: ctx, path: channelPath }) as grpc.ClientReadableStream<{ data: Buffer }>;
    let last = Number.NaN;
    call.on('data', (message) => {
      const at = epochNow(); // first, before any work of ours
      const packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as { schema?: unknown; data?: { values: number[][] } };
      if (!packet.data) {
        if (++schemas === CHANNELS) send({ type: 'ready', channels: CHANNELS });
        return;
      }
      current.packets++;
      for (const timestamp of packet.data.values[0]) phaseOfSample(timestamp).rows++;
      current.lateness.add(at - packet.data.values[0][0]);
      if (!Number.isNaN(last)) current.longestGap = Math.max(current.longestGap, at - last);
      last = at;
    });
    call.on('error', (error: grpc.ServiceError) => {
      if (error.code !== 1 /* CANCELLED: ours, at the end */) current.streamErrors++;
    });
    calls.push(call);
  }

  process.on('message', (message: ToObserver) => {
    if (message.type === 'phase') {
      current = statsFor(message.name);
      starts.push({ at: epochNow(), stats: current });
    }
    else if (message.type === 'report') {
      const report: Record<string, PhaseStreams> = {};
      for (const [name, s] of phases) {
        report[name] = {
          packets: s.packets,
          rows: s.rows,
          latenessP50: s.lateness.quantile(0.5),
          latenessP99: s.lateness.quantile(0.99),
          latenessMax: s.lateness.max(),
          longestGap: s.longestGap,
          streamErrors: s.streamErrors,
        };
      }
      send({ type: 'report', phases: report });
    } else if (message.type === 'stop') {
      calls.forEach((call) => call.cancel());
      clients.close();
      process.disconnect?.();
    }
  });
}

// ------------------------------------------------------------------ load process: QueryData

function emptyAnswers(): Answers {
  return { calls: 0, points: 0, bytes: 0, ms: 0, statuses: {}, callErrors: {}, latencyP50: Number.NaN };
}

/** One QueryData; counts every answer by status and the points actually returned in its frames. */
async function queryData(clients: Clients, queries: Record<string, unknown>[], format: Format, answers: Answers, latencies: Samples): Promise<void> {
  const started = performance.now();
  try {
    const res = await unary(clients.data, 'QueryData', { pluginContext: context(), queries, format: FORMAT[format] }, within(CALL_DEADLINE_MS));
    for (const answer of Object.values(res.responses) as { status: number; frames: Buffer[] }[]) {
      answers.statuses[answer.status] = (answers.statuses[answer.status] ?? 0) + 1;
      for (const frame of answer.frames) {
        answers.bytes += frame.length;
        if (format === 'arrow') {
          const table = tableFromIPC(frame);
          answers.points += table.numRows * (table.numCols - 1);
        } else {
          const values = (JSON.parse(Buffer.from(frame).toString('utf8')) as { data?: { values: number[][] } }).data?.values ?? [];
          answers.points += (values[0]?.length ?? 0) * (values.length - 1);
        }
      }
    }
  } catch (error) {
    const key = (error as grpc.ServiceError).details ?? String(error);
    answers.callErrors[key] = (answers.callErrors[key] ?? 0) + 1;
  }
  answers.calls++;
  latencies.add(performance.now() - started);
}

async function load(socket: string): Promise<void> {
  const clients = connect({ network: 'unix', address: socket });
  process.on('message', async (message: ToLoad) => {
    if (message.type === 'stop') {
      clients.close();
      process.disconnect?.();
      return;
    }
    const answers = emptyAnswers();
    const latencies = new Samples();
    const started = performance.now();
    if (message.type === 'storm') {
      const end = started + message.ms;
      // Each caller cycles through the sizes from its own starting point, so all sizes are always in flight.
      const caller = async (i: number) => {
        for (let k = i; performance.now() < end; k++) {
          const points = STORM_SIZES[k % STORM_SIZES.length];
          await queryData(clients, [historyQuery('A', points)], 'arrow', answers, latencies);
        }
      };
      await Promise.all(Array.from({ length: STORM_CALLERS }, (_, i) => caller(i)));
    } else if (message.type === 'big') {
      const queries = Array.from({ length: message.queries }, (_, i) => historyQuery(`Q${i}`, message.points));
      await queryData(clients, queries, message.format, answers, latencies);
    } else {
      for (let i = 0; i < message.calls; i++) await queryData(clients, [historyQuery('A', message.points)], 'arrow', answers, latencies);
    }
    answers.ms = performance.now() - started;
    answers.latencyP50 = latencies.quantile(0.5);
    send({ type: 'done', answers });
  });
}

// ------------------------------------------------------------------ coordinator

/** Waits for one message of `type` from a child, or fails after `ms` or when the child exits. */
function expectMessage<T extends { type: string }>(child: ChildProcess, type: T['type'], ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" from child ${child.pid} within ${ms} ms`)), ms);
    const onMessage = (message: T) => {
      if (message.type === type) done(undefined, message);
      else if (message.type === 'failed') done(new Error((message as unknown as { message: string }).message));
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`child ${child.pid} exited (${code ?? signal}) while we waited for "${type}"`));
    const done = (error?: Error, message?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Sidecar memory per phase: the sampled VmRSS maximum and VmHWM, which is reset at each phase start. */
class RssMonitor {
  private timer?: NodeJS.Timeout;
  private sampledMax = 0;
  hwmResettable = true;
  constructor(private readonly pid: number) {}
  startPhase(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    } catch {
      this.hwmResettable = false;
    }
    this.sampledMax = 0;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.sample(), 50);
    this.sample();
  }
  private sample(): void {
    const rss = procStatusBytes(this.pid, 'VmRSS');
    if (rss > this.sampledMax) this.sampledMax = rss;
  }
  /** Peak RSS since startPhase() (bytes). */
  endPhase(): number {
    this.sample();
    clearInterval(this.timer);
    const hwm = this.hwmResettable ? procStatusBytes(this.pid, 'VmHWM') : Number.NaN;
    return Math.max(this.sampledMax, Number.isNaN(hwm) ? 0 : hwm);
  }
  now(): number {
    return procStatusBytes(this.pid, 'VmRSS');
  }
}

/** Dials the socket until it accepts (not a log line: any build of the sidecar must do). */
async function waitListening(socket: string, sidecar: PluginProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const connection = net.connect(socket, () => (connection.end(), resolve(true)));
      connection.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (sidecar.child.exitCode !== null || sidecar.child.signalCode !== null) throw new Error(`sidecar exited at start:\n${sidecar.stderrText()}`);
    if (Date.now() > deadline) throw new Error(`sidecar did not listen on ${socket} within 15 s:\n${sidecar.stderrText()}`);
    await sleep(20);
  }
}

interface PhaseResult {
  name: string;
  label: string;
  ms: number;
  /** From the phase's start to its end as the observer sees it (the work, then the grace). */
  spanMs: number;
  peakRss: number;
  /** CPU used during the phase, in % of one core: sidecar, observer, load process. */
  cpu: { sidecar: number; observer: number; load: number };
  answers?: Answers;
  sidecarDied?: string;
}

function stopChild(child: ChildProcess | undefined, message: ToObserver | ToLoad): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  send(message, child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  return exited.finally(() => clearTimeout(timer));
}

async function coordinator(): Promise<void> {
  const loadAtStart = os.loadavg()[0];
  const bundle = path.resolve('dist', 'backend', 'main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing; run npm run build first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iso-bench-'));
  const socket = path.join(dir, 'plugin.sock');
  // With the Node flags the product's sidecar runs with (backend/launcher/node-runtime.json).
  const sidecar: PluginProcess = spawnPlugin(bundle, { PATH: process.env.PATH }, ['--listen', `unix:${socket}`], nodeRuntime.sidecarNodeFlags);
  let sidecarExit: string | undefined;
  void sidecar.exited.then(({ code, signal }) => (sidecarExit = `exit ${code ?? signal}`));
  let observerChild: ChildProcess | undefined;
  let loadChild: ChildProcess | undefined;
  const results: PhaseResult[] = [];
  let streams: Record<string, PhaseStreams> = {};
  let idleRss = Number.NaN;
  const rss = new RssMonitor(sidecar.child.pid!);
  try {
    await waitListening(socket, sidecar);
    observerChild = fork(process.argv[1], ['observer', socket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    loadChild = fork(process.argv[1], ['load', socket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const obs = observerChild;
    const ld = loadChild;
    await expectMessage<FromObserver>(obs, 'ready', 30_000);
    await sleep(2_000); // every RunStream past its first packets
    idleRss = rss.now();

    const phase = async (name: string, label: string, work: () => Promise<Answers | undefined>, graceMs = 0) => {
      if (sidecarExit) return;
      send({ type: 'phase', name }, obs);
      rss.startPhase();
      const pids = [sidecar.child.pid!, obs.pid!, ld.pid!];
      const cpuBefore = pids.map(procCpuMs);
      const started = performance.now();
      const answers = await work();
      const ms = performance.now() - started;
      await sleep(graceMs); // a stall near the end shows as a gap only when the next packet arrives
      const [sidecarCpu, observerCpu, loadCpu] = pids.map((pid, i) => (100 * (procCpuMs(pid) - cpuBefore[i])) / (performance.now() - started));
      const spanMs = performance.now() - started;
      results.push({ name, label, ms, spanMs, peakRss: rss.endPhase(), cpu: { sidecar: sidecarCpu, observer: observerCpu, load: loadCpu }, answers, sidecarDied: sidecarExit });
      send({ type: 'phase', name: 'between' }, obs);
      await sleep(SETTLE_MS);
    };
    const ask = async (message: ToLoad) => {
      send(message, ld);
      return (await expectMessage<FromLoad>(ld, 'done', CALL_DEADLINE_MS + PHASE_MS * 2)).answers;
    };

    await phase('idle', 'idle (streams only)', async () => (await sleep(PHASE_MS), undefined));
    await phase('storm', `storm: ${STORM_CALLERS} callers, 1…100k points, Arrow`, () => ask({ type: 'storm', ms: PHASE_MS * 1.5 }));
    await phase('big-arrow', `one request ${BIG.queries} × 1M points, Arrow`, () => ask({ type: 'big', ...BIG, format: 'arrow' }), 500);
    await phase('big-json', `one request ${BIG_JSON.queries} × 1M points, JSON`, () => ask({ type: 'big', ...BIG_JSON, format: 'json' }), 500);
    await phase('seq-10k', 'sequential 10k-point queries, Arrow', () => ask({ type: 'sequential', points: 10_000, calls: 60 }));
    await phase('seq-1m', 'sequential 1M-point queries, Arrow', () => ask({ type: 'sequential', points: 1_000_000, calls: 6 }));

    send({ type: 'report' }, obs);
    streams = (await expectMessage<FromObserver & { type: 'report' }>(obs, 'report', 10_000)).phases;
  } finally {
    await stopChild(loadChild, { type: 'stop' });
    await stopChild(observerChild, { type: 'stop' });
    if (!sidecarExit) {
      sidecar.kill('SIGTERM');
      const timer = setTimeout(() => sidecar.kill('SIGKILL'), 10_000);
      await sidecar.exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  report(results, streams, idleRss, rss.hwmResettable, loadAtStart);
}

// ------------------------------------------------------------------ report

function statusList(answers: Answers): string {
  const parts = Object.entries(answers.statuses).map(([status, n]) => `${n}× ${status}`);
  for (const [error, n] of Object.entries(answers.callErrors)) parts.push(`${n}× call failed: ${error.slice(0, 60)}`);
  return parts.join(', ') || 'none';
}

function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

function report(results: PhaseResult[], streams: Record<string, PhaseStreams>, idleRss: number, hwmResettable: boolean, loadAtStart: number): void {
  const ms = (v: number) => fmt(v, 1);
  const col = (s: string, w: number) => s.padStart(w);
  console.log(
    `isolation: sidecar dist/backend/main.js on a unix socket; ${CHANNELS} live channels × ${STREAM_HZ} packets/s held by an observer process;` +
      ` QueryData from a load process; Node ${process.version}, ${os.cpus().length} CPUs, 1-min load average ${fmt(loadAtStart)} at start, ${fmt(os.loadavg()[0])} at end (the machine is shared)`,
  );
  console.log(`\nper phase (lateness = packet arrival − its oldest sample's slot; gap = longest time between two packets of one stream, nominal ${STREAM_INTERVAL_MS} ms;`);
  console.log(`  samples = samples received / samples due in the phase, one per stream every ${STREAM_INTERVAL_MS} ms)`);
  console.log(`  ${'phase'.padEnd(44)} ${col('s', 5)} ${col('samples', 9)} ${col('late p50', 8)} ${col('p99', 7)} ${col('max', 7)} ${col('gap', 7)} ${col('peak RSS', 9)} ${col('CPU % side/obs/load', 19)}   QueryData`);
  const idle = streams.idle;
  for (const r of results) {
    const s = streams[r.name];
    const due = CHANNELS * STREAM_HZ * (r.spanMs / 1000);
    const q = r.answers;
    const qd = q
      ? `${q.calls} calls in ${fmt(q.ms / 1000, 1)} s, p50 ${ms(q.latencyP50)} ms; answers ${statusList(q)}; ${fmt(q.points / 1e6, 2)} M points, ${fmt(q.bytes / MiB, 1)} MiB` +
        (q.points > 0 ? `; ${fmt(q.points / (q.ms / 1000) / 1e6, 2)} M points/s` : '')
      : '—';
    console.log(
      `  ${r.label.padEnd(44)} ${col(fmt(r.ms / 1000, 1), 5)} ${col(s ? `${fmt((100 * s.rows) / due, 0)}%` : 'n/a', 9)} ${col(ms(s?.latenessP50 ?? NaN), 8)} ${col(ms(s?.latenessP99 ?? NaN), 7)} ${col(ms(s?.latenessMax ?? NaN), 7)} ${col(ms(s?.longestGap ?? NaN), 7)} ${col(`${fmt(r.peakRss / MiB, 0)} MiB`, 9)} ${col(`${fmt(r.cpu.sidecar, 0)}/${fmt(r.cpu.observer, 0)}/${fmt(r.cpu.load, 0)}`, 19)}   ${qd}` +
        (s?.streamErrors ? `; ${s.streamErrors} streams ended with an error` : '') +
        (r.sidecarDied ? `; SIDECAR DIED (${r.sidecarDied})` : ''),
    );
  }
  const missing = ['idle', 'storm', 'big-arrow', 'big-json', 'seq-10k', 'seq-1m'].filter((name) => !results.some((r) => r.name === name));
  if (missing.length) console.log(`  not run (the sidecar had died): ${missing.join(', ')}`);
  console.log(`  sidecar RSS after start-up with ${CHANNELS} streams: ${fmt(idleRss / MiB, 0)} MiB; peak RSS per phase = max(VmRSS every 50 ms${hwmResettable ? ', VmHWM reset at phase start' : ''})`);

  const byName = (name: string) => results.find((r) => r.name === name);
  const streamsOf = (name: string) => streams[name];
  const rows: [string, number, string, string][] = [];
  const idleP99 = idle?.latenessP99 ?? NaN;
  const storm = streamsOf('storm');
  const stormP99 = storm?.latenessP99 ?? NaN;
  rows.push(['stream lateness p99, idle (ms)', idleP99, '1.00×', 'reference']);
  rows.push(['stream lateness p99, storm (ms)', stormP99, ratio(stormP99, idleP99), `≤ 2× idle and ≤ 20 ms: ${verdict(stormP99 <= 2 * idleP99 && stormP99 <= 20)}`]);
  rows.push(['longest packet gap, idle (ms)', idle?.longestGap ?? NaN, '1.00×', `reference (nominal ${STREAM_INTERVAL_MS} ms)`]);
  rows.push(['longest packet gap, storm (ms)', storm?.longestGap ?? NaN, ratio(storm?.longestGap ?? NaN, idle?.longestGap ?? NaN), '']);
  for (const name of ['big-arrow', 'big-json']) {
    const s = streamsOf(name);
    const label = name === 'big-arrow' ? `${BIG.queries} × 1M Arrow` : `${BIG_JSON.queries} × 1M JSON`;
    rows.push([`stream lateness p99, ${label} (ms)`, s?.latenessP99 ?? NaN, ratio(s?.latenessP99 ?? NaN, idleP99), '']);
    rows.push([`longest packet gap, ${label} (ms)`, s?.longestGap ?? NaN, ratio(s?.longestGap ?? NaN, idle?.longestGap ?? NaN), `≤ 100 ms: ${verdict((s?.longestGap ?? Infinity) <= 100)}`]);
  }
  const idlePeak = byName('idle')?.peakRss ?? NaN;
  const peak = Math.max(...results.map((r) => r.peakRss));
  const peakPhase = results.find((r) => r.peakRss === peak)?.label ?? 'n/a';
  rows.push(['sidecar peak RSS, idle (MiB)', idlePeak / MiB, '1.00×', 'reference']);
  rows.push([`sidecar peak RSS, whole run (MiB)`, peak / MiB, ratio(peak, idlePeak), `≤ 300 MiB: ${verdict(peak <= 300 * MiB)} (during ${peakPhase})`]);
  const survived = results.length === 6 && !results.some((r) => r.sidecarDied);
  for (const name of ['seq-10k', 'seq-1m']) {
    const q = byName(name)?.answers;
    const pps = q && q.points > 0 ? q.points / (q.ms / 1000) : NaN;
    rows.push([`QueryData throughput, ${name === 'seq-10k' ? '10k' : '1M'}-point queries (M points/s)`, pps / 1e6, 'n/a', '≥ 1.5× Go: the ratio is printed by npm run bench:conformance']);
  }
  const stormAnswers = byName('storm')?.answers;
  rows.push(['QueryData points/s during the storm (M, all callers)', stormAnswers && stormAnswers.points > 0 ? stormAnswers.points / (stormAnswers.ms / 1000) / 1e6 : NaN, 'n/a', '']);

  console.log('\ntargets (issue 10), each against the idle phase of this run');
  console.log(`  ${'figure'.padEnd(56)} ${col('value', 10)} ${col('vs idle', 9)}   target`);
  for (const [label, value, vsIdle, target] of rows) console.log(`  ${label.padEnd(56)} ${col(fmt(value, label.includes('M points') ? 2 : 1), 10)} ${col(vsIdle, 9)}   ${target}`);
  console.log(`  sidecar alive through every phase: ${survived ? 'yes' : 'NO — MISSED'}`);
}

// ------------------------------------------------------------------ entry

const [role, socketArg] = process.argv.slice(2);
const run = role === 'observer' ? observer(socketArg) : role === 'load' ? load(socketArg) : coordinator();
run.catch((error: Error) => {
  if (role) {
    send({ type: 'failed', message: `${role}: ${error.stack ?? error.message}` });
    setTimeout(() => process.exit(1), 100);
  } else {
    console.error(error);
    process.exit(1);
  }
});
