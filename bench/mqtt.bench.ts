/**
 * MQTT end to end (issue 12): how many messages/s the backend ingests from a real broker and delivers
 * to a RunStream reader with none lost, and how long a message takes from publish to packet.
 *
 * Processes (all on loopback or a unix socket, each stopped by its PID):
 *  - Mosquitto, with a quiet config of our own (the test helper's `log_type all` would log every
 *    PUBLISH and make the broker the bottleneck); `sys_interval 1` so its $SYS drop counter is read;
 *  - the built sidecar (`node dist/backend/main.js --listen unix:…`, the product's Node flags);
 *  - a reader process: QueryData of a wildcard query over TOPICS topics with "With Streaming"
 *    → meta.channel → SubscribeStream → RunStream, as Grafana does; it counts every message's `seq`
 *    cell in the packets and times it against the publish time inside its payload;
 *  - publisher processes (MQTT.js, QoS 0), each owning a disjoint set of topics, at a fixed rate;
 *  - for the reference, a bare MQTT.js subscriber process on the same filter and broker.
 *
 * Payload: `{"ts":<epoch ms at publish>,"seq":<n>,"v":{"temp":…}}`, mapped with the payload's time
 * (`ts`), so every streamed row's time is its publish time. The publishers tick about every
 * millisecond and send what is due, so several messages share a millisecond (and a row of the
 * channel's wide frame), as devices on a common clock do.
 *
 * Figures per rate: published, received by the reader, lost, duplicates/out of order, latency p50/p99
 * (publish → packet read by the reader; includes the broker and the gRPC hop, so it bounds
 * publish → packet sent), sidecar peak RSS and CPU; where a loss happened (broker drop counter,
 * messages the sidecar received, hub drops for a slow reader). References measured in this run: the
 * publishers' solo rate (no subscriber), and a bare MQTT.js subscriber's received count and latency at
 * the same rates. Targets: zero lost at ≥ 20,000 msgs/s over 100 topics; latency p99 ≤ one packet
 * interval + 10 ms (60 ms at the default 20 packets/s); sidecar peak RSS ≤ 300 MiB.
 * Needs `npm run build:backend`. Bounded: about 90 s.
 */
import type * as grpc from '@grpc/grpc-js';
import { tableFromIPC } from 'apache-arrow';
import mqtt from 'mqtt';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodeRuntime from '../backend/launcher/node-runtime.json';
import { pluginContext, spawnPlugin, type PluginProcess } from '../backend/test/helpers/harness';
import { connect, unary, within, type Clients } from '../tests/support/goplugin';
import { freePort } from '../tests/support/mosquitto';
import { MiB, Samples, fmt, line, procCpuMs, procStatusBytes, ratio, sleep } from './support';
import { atMost, verdict } from './support/targets';

const TOPICS = Number(process.env.BENCH_MQTT_TOPICS ?? 100);
const RATES = (process.env.BENCH_MQTT_RATES ?? '5000,10000,20000,40000').split(',').map(Number);
const PHASE_MS = Number(process.env.BENCH_MQTT_MS ?? 5_000);
const PACKETS_PER_SECOND = 20; // the datasource default
const LATENCY_TARGET_MS = 1000 / PACKETS_PER_SECOND + 10;
const ZERO_LOSS_FROM = 20_000;
const RSS_TARGET_MIB = 300;
const FILTER = 'bench/+/x';
const UID = 'mqtt-bench';
const PLUGIN_ID = 'tributary-streaming-datasource';
const SEQ_PER_PHASE = 10_000_000; // seq = phase × this + n: the reader tells phases apart by seq
// BENCH_MQTT_NODE_FLAGS: extra Node flags for the sidecar, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
const EXTRA_SIDECAR_FLAGS = (process.env.BENCH_MQTT_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
const DRAIN_MS = 30_000; // late is not lost: wait this long for the last messages (a loaded machine stalls processes for seconds)

const topicName = (i: number) => `bench/${i}/x`;

// ------------------------------------------------------------------ messages between the processes

interface PhaseFigures {
  received: number;
  duplicates: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
}
type Report = Record<number, PhaseFigures>;
type FromChild =
  | { type: 'ready' }
  | { type: 'count'; received: number; bytes: number; cpuMs: number }
  | { type: 'report'; phases: Report }
  | { type: 'published'; published: number; ms: number; lateMs: number }
  | { type: 'failed'; message: string };
type ToChild = { type: 'count' } | { type: 'report' } | { type: 'stop' };

function send(message: FromChild | ToChild, to: NodeJS.Process | ChildProcess = process): void {
  to.send?.(message);
}

/** Per phase: messages counted once each, duplicates (seq not above the topic's last), latencies. */
class Tally {
  private readonly phases = new Map<number, { received: number; duplicates: number; latency: Samples }>();
  private readonly lastSeq = new Map<string, number>();
  total = 0;
  /** Packet bytes read (the reader) or payload bytes (the bare subscriber). */
  bytes = 0;

  add(topic: string, seq: number, latencyMs: number): void {
    const phase = Math.floor(seq / SEQ_PER_PHASE);
    let figures = this.phases.get(phase);
    if (!figures) this.phases.set(phase, (figures = { received: 0, duplicates: 0, latency: new Samples() }));
    const last = this.lastSeq.get(topic) ?? -1;
    if (seq <= last) {
      figures.duplicates++;
      return;
    }
    this.lastSeq.set(topic, seq);
    figures.received++;
    figures.latency.add(latencyMs);
    this.total++;
  }

  report(): Report {
    const out: Report = {};
    for (const [phase, f] of this.phases) {
      out[phase] = { received: f.received, duplicates: f.duplicates, latencyP50: f.latency.quantile(0.5), latencyP99: f.latency.quantile(0.99), latencyMax: f.latency.max() };
    }
    return out;
  }
}

/** A report as sent over IPC, with -1 (no sample) back to NaN. */
function revive(report: Report): Report {
  for (const figures of Object.values(report)) {
    for (const key of ['latencyP50', 'latencyP99', 'latencyMax'] as const) if (figures[key] === -1) figures[key] = Number.NaN;
  }
  return report;
}

function serveTally(tally: Tally, stop: () => void): void {
  process.on('message', (message: ToChild) => {
    if (message.type === 'count') {
      const cpu = process.cpuUsage();
      send({ type: 'count', received: tally.total, bytes: tally.bytes, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    // NaN (no sample) crosses IPC as null: send -1 and let the coordinator turn it back.
    else if (message.type === 'report') send({ type: 'report', phases: JSON.parse(JSON.stringify(tally.report(), (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? -1 : v))) as Report });
    else if (message.type === 'stop') {
      stop();
      process.disconnect?.();
    }
  });
}

// ------------------------------------------------------------------ reader process: the RunStream

function context(brokerUrl: string): Record<string, unknown> {
  return { ...pluginContext({ uid: UID, jsonData: { sourceKind: 'mqtt', mqtt: { url: brokerUrl } } }), pluginId: PLUGIN_ID };
}

async function reader(socket: string, brokerUrl: string): Promise<void> {
  const clients = connect({ network: 'unix', address: socket });
  const ctx = context(brokerUrl);
  const now = Date.now();
  const model = { refId: 'A', topic: FILTER, mapping: { format: 'json', timeSource: 'payload', timeField: 'ts' }, withStreaming: true };
  const res = await unary(
    clients.data,
    'QueryData',
    { pluginContext: ctx, queries: [{ refId: 'A', maxDataPoints: 1000, intervalMS: 1000, timeRange: { fromEpochMS: now - 60_000, toEpochMS: now }, json: Buffer.from(JSON.stringify(model)) }] },
    within(30_000),
  );
  const answer = res.responses.A as { status: number; error?: string; frames: Buffer[] };
  if (answer?.status !== 200) throw new Error(`QueryData: status ${answer?.status} ${answer?.error ?? ''}`);
  const channel = JSON.parse(tableFromIPC(answer.frames[0]).schema.metadata.get('meta') ?? '{}').channel as string | undefined;
  const prefix = `ds/${UID}/`;
  if (!channel?.startsWith(prefix)) throw new Error(`QueryData: no meta.channel under ${prefix}`);
  const streamPath = channel.slice(prefix.length);
  const sub = await unary(clients.stream, 'SubscribeStream', { pluginContext: ctx, path: streamPath }, within(30_000));
  if (sub.status !== 'OK') throw new Error(`SubscribeStream ${streamPath}: ${sub.status}`);

  const tally = new Tally();
  // Column i of a data packet is field i of the newest schema; `seq <topic>` columns count messages.
  let seqColumns: { index: number; topic: string }[] = [];
  const call = clients.stream.RunStream({ pluginContext: ctx, path: streamPath }) as grpc.ClientReadableStream<{ data: Buffer }>;
  call.on('data', (message) => {
    const at = Date.now(); // the publishers' clock: ts is Date.now() there
    tally.bytes += message.data.length;
    const packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as {
      schema?: { fields: { name: string }[] };
      data?: { values: (number | null)[][] };
    };
    if (packet.schema) {
      seqColumns = packet.schema.fields.flatMap((field, index) => (field.name.startsWith('seq ') ? [{ index, topic: field.name.slice(4) }] : []));
    }
    const values = packet.data?.values;
    // BENCH_MQTT_DEBUG=1: one line per packet (where time goes when latency is high).
    if (process.env.BENCH_MQTT_DEBUG && values) console.error(`reader packet at ${at % 100000}: ${message.data.length} bytes, ${values[0].length} rows, times ${(values[0][0] as number) % 100000}..${(values[0][values[0].length - 1] as number) % 100000}`);
    if (!values || values.length === 0) return;
    const times = values[0] as number[];
    for (const { index, topic } of seqColumns) {
      const column = values[index];
      if (!column) continue;
      for (let row = 0; row < column.length; row++) {
        const seq = column[row];
        if (seq !== null) tally.add(topic, seq, at - times[row]);
      }
    }
  });
  call.on('error', (error: grpc.ServiceError) => {
    if (error.code !== 1 /* CANCELLED: ours, at the end */) console.error(`mqtt bench reader: RunStream ended: ${error.message}`);
  });
  serveTally(tally, () => {
    call.cancel();
    clients.close();
  });
  send({ type: 'ready' });
}

// ------------------------------------------------------------------ bare MQTT.js subscriber (reference)

async function bareSubscriber(brokerUrl: string): Promise<void> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-bare-${process.pid}`, reconnectPeriod: 0 });
  const tally = new Tally();
  client.on('message', (topic, payload) => {
    const at = Date.now();
    const message = JSON.parse(payload.toString('utf8')) as { ts: number; seq: number };
    tally.add(topic, message.seq, at - message.ts);
  });
  await client.subscribeAsync(FILTER, { qos: 0 });
  serveTally(tally, () => void client.endAsync());
  send({ type: 'ready' });
}

// ------------------------------------------------------------------ publisher process

/**
 * Publishes to topics `first, first + step, …` at `rate` msgs/s for `ms` (rate 0: as fast as the
 * client writes, waiting for each chunk's write before the next, for the solo reference).
 */
async function publisher(brokerUrl: string, phase: number, rate: number, ms: number, first: number, step: number): Promise<void> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-pub-${process.pid}`, reconnectPeriod: 0 });
  const topics: string[] = [];
  for (let i = first; i < TOPICS; i += step) topics.push(topicName(i));
  const seqs = topics.map(() => phase * SEQ_PER_PHASE);
  let sent = 0;
  let lateMs = 0;
  const publishOne = (callback?: () => void) => {
    const k = sent % topics.length;
    const payload = `{"ts":${Date.now()},"seq":${seqs[k]++},"v":{"temp":${(20 + (sent % 100) / 10).toFixed(1)}}}`;
    sent++;
    client.publish(topics[k], payload, { qos: 0 }, callback);
  };
  const started = performance.now();
  if (rate === 0) {
    while (performance.now() - started < ms) {
      await new Promise<void>((resolve) => {
        for (let i = 0; i < 499; i++) publishOne();
        publishOne(() => resolve());
      });
    }
  } else {
    const total = Math.round((rate * ms) / 1000);
    while (sent < total) {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((rate * elapsed) / 1000));
      // How far behind schedule the publisher is (it must not be the limit).
      if (due - sent > rate / 100) lateMs = Math.max(lateMs, ((due - sent) * 1000) / rate);
      while (sent < due) publishOne();
      await sleep(1);
    }
  }
  await client.endAsync(); // flushes what is still queued in the client
  process.send?.({ type: 'published', published: sent, ms: performance.now() - started, lateMs } satisfies FromChild, () => process.disconnect?.());
}

// ------------------------------------------------------------------ coordinator

class Broker {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {}

  static async start(): Promise<Broker> {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trib-mqtt-bench-'));
    const config = path.join(dir, 'mosquitto.conf');
    const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'sys_interval 1', `user ${os.userInfo().username}`];
    writeFileSync(config, `${lines.join('\n')}\n`);
    const binary = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
    const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
    const broker = new Broker(child, `mqtt://127.0.0.1:${port}`, dir);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const probe = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 1000 });
        await probe.endAsync();
        return broker;
      } catch (error) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start: ${String(error)}`);
        await sleep(50);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      process.kill(this.child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The broker's own count of messages it dropped (its $SYS topic, published every second). */
class BrokerDrops {
  value = 0;
  private constructor(private readonly client: mqtt.MqttClient) {}
  static async watch(url: string): Promise<BrokerDrops> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const drops = new BrokerDrops(client);
    client.on('message', (_topic, payload) => (drops.value = Number(payload.toString())));
    await client.subscribeAsync('$SYS/broker/publish/messages/dropped');
    return drops;
  }
  close(): Promise<void> {
    return this.client.endAsync();
  }
}

function forkRole(role: string, args: string[]): ChildProcess {
  return fork(process.argv[1], [role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] });
}

function next<T extends FromChild['type']>(child: ChildProcess, type: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: FromChild) => {
      if (message.type === 'failed') {
        done();
        reject(new Error(message.message));
      } else if (message.type === type) {
        done();
        resolve(message as Extract<FromChild, { type: T }>);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`waiting for '${type}': child exited with ${code}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || !child.pid) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) send({ type: 'stop' }, child);
  const killer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(killer);
}

/** Runs `publishers` processes at `rate` in total for `ms`; sums what they report. */
async function publish(brokerUrl: string, phase: number, rate: number, ms: number, publishers: number): Promise<{ published: number; ms: number; lateMs: number }> {
  const children = Array.from({ length: publishers }, (_, i) => forkRole('publisher', [brokerUrl, String(phase), String(rate / publishers), String(ms), String(i), String(publishers)]));
  const results = await Promise.all(children.map((child) => next(child, 'published')));
  return { published: results.reduce((n, r) => n + r.published, 0), ms: Math.max(...results.map((r) => r.ms)), lateMs: Math.max(...results.map((r) => r.lateMs)) };
}

/** Waits until `child` has counted `expected` messages in total, or its count stops moving for 3 s. */
async function drain(child: ChildProcess, expected: number): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  let last = -1;
  let still = 0;
  while (Date.now() < deadline) {
    send({ type: 'count' }, child);
    const { received } = await next(child, 'count');
    if (received >= expected) return;
    still = received === last ? still + 1 : 0;
    if (still >= 30) return;
    last = received;
    await sleep(100);
  }
}

/** Sum of a sidecar metric family (NaN when the sidecar is too busy to answer within 60 s). */
async function sidecarCounter(clients: Clients, brokerUrl: string, name: string): Promise<number> {
  try {
    const res = await unary(clients.diagnostics, 'CollectMetrics', { pluginContext: context(brokerUrl) }, within(60_000));
    const text = Buffer.from(res.metrics.prometheus).toString();
    let sum = 0;
    for (const match of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(match[2]);
    return sum;
  } catch (error) {
    console.error(`mqtt bench: CollectMetrics: ${(error as Error).message}`);
    return Number.NaN;
  }
}

interface RatePhase {
  rate: number;
  published: number;
  publishMs: number;
  publisherLateMs: number;
  plugin: PhaseFigures;
  bare: PhaseFigures;
  bareAchieved: number;
  brokerDropped: number;
  sidecarReceived: number;
  hubDropped: number;
  peakRssMiB: number;
  cpuPercent: number;
  readerBytes: number;
  readerCpuPercent: number;
}

async function coordinator(): Promise<void> {
  const bundle = path.resolve('dist/backend/main.js');
  if (!existsSync(bundle)) throw new Error('dist/backend/main.js is missing: run `npm run build:backend` first');
  const broker = await Broker.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trib-mqtt-bench-sock-'));
  const socket = path.join(dir, 'plugin.sock');
  let sidecar: PluginProcess | undefined;
  let readerChild: ChildProcess | undefined;
  let bareChild: ChildProcess | undefined;
  const drops = await BrokerDrops.watch(broker.url);
  try {
    console.log(`mqtt: Mosquitto ${broker.url}, ${TOPICS} topics under ${FILTER}, publishers MQTT.js QoS 0 (subscriptions QoS 0, the default), ${PHASE_MS / 1000} s per rate, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    // Reference 1: one publisher alone (no subscriber), as fast as it writes.
    const solo = await publish(broker.url, 1, 0, 3_000, 1);
    const soloRate = (solo.published * 1000) / solo.ms;
    // At least two: on a loaded machine one process gets too small a share of the CPU to keep up.
    const publishers = Number(process.env.BENCH_MQTT_PUBLISHERS ?? Math.min(4, Math.max(2, Math.ceil((1.5 * Math.max(...RATES)) / soloRate))));

    // Reference 2: a bare MQTT.js subscriber at every rate (the broker and the client's own cost).
    bareChild = forkRole('bare', [broker.url]);
    await next(bareChild, 'ready');
    const bareResults: { achieved: number; figures?: PhaseFigures }[] = [];
    let phase = 10;
    let expected = 0;
    for (const rate of RATES) {
      const result = await publish(broker.url, ++phase, rate, PHASE_MS, publishers);
      expected += result.published;
      await drain(bareChild, expected);
      bareResults.push({ achieved: (result.published * 1000) / result.ms });
    }
    send({ type: 'report' }, bareChild);
    const bareReport = revive((await next(bareChild, 'report')).phases);
    await stopChild(bareChild);
    bareChild = undefined;

    // The sidecar and its RunStream reader.
    sidecar = spawnPlugin(bundle, { PATH: process.env.PATH }, ['--listen', `unix:${socket}`], [...nodeRuntime.sidecarNodeFlags, ...EXTRA_SIDECAR_FLAGS]);
    await sidecar.waitForMessage('plugin serving');
    const pid = sidecar.child.pid!;
    const metricsClients = connect({ network: 'unix', address: socket });
    readerChild = forkRole('reader', [socket, broker.url]);
    await next(readerChild, 'ready');
    // Warm-up: one message per topic, so every series is known and the subscription is live.
    let warm = 0;
    for (let attempt = 0; attempt < 8 && warm < TOPICS; attempt++) {
      await publish(broker.url, 2 + attempt, TOPICS * 10, 100, 1); // phases 2-9: seqs below every measured phase's
      await drain(readerChild, TOPICS);
      send({ type: 'count' }, readerChild);
      warm = (await next(readerChild, 'count')).received;
    }
    if (warm < TOPICS) throw new Error(`the reader saw ${warm} of ${TOPICS} warm-up messages; sidecar log:\n${sidecar.stderrText().slice(-3000)}`);
    const idleRss = procStatusBytes(pid, 'VmRSS') / MiB;

    const phases: RatePhase[] = [];
    phase = 20;
    let total = warm;
    for (const [i, rate] of RATES.entries()) {
      phase++;
      const receivedBefore = await sidecarCounter(metricsClients, broker.url, 'tributary_source_messages_received_total');
      const hubBefore = await sidecarCounter(metricsClients, broker.url, 'tributary_stream_dropped_points_total');
      const dropsBefore = drops.value;
      const cpuBefore = procCpuMs(pid);
      const cpuStart = Date.now();
      send({ type: 'count' }, readerChild);
      const readerBefore = await next(readerChild, 'count');
      let peakRss = 0;
      const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, procStatusBytes(pid, 'VmRSS'))), 100);
      const result = await publish(broker.url, phase, rate, PHASE_MS, publishers);
      total += result.published;
      await drain(readerChild, total);
      clearInterval(rssTimer);
      const cpuPercent = ((procCpuMs(pid) - cpuBefore) * 100) / (Date.now() - cpuStart);
      send({ type: 'count' }, readerChild);
      const readerAfter = await next(readerChild, 'count');
      const readerCpuPercent = ((readerAfter.cpuMs - readerBefore.cpuMs) * 100) / (Date.now() - cpuStart);
      await sleep(1_100); // the broker's $SYS counter is published every second
      send({ type: 'report' }, readerChild);
      const report = revive((await next(readerChild, 'report')).phases);
      phases.push({
        rate,
        published: result.published,
        publishMs: result.ms,
        publisherLateMs: result.lateMs,
        plugin: report[phase] ?? { received: 0, duplicates: 0, latencyP50: NaN, latencyP99: NaN, latencyMax: NaN },
        bare: bareReport[11 + i],
        bareAchieved: bareResults[i].achieved,
        brokerDropped: drops.value - dropsBefore,
        sidecarReceived: (await sidecarCounter(metricsClients, broker.url, 'tributary_source_messages_received_total')) - receivedBefore,
        hubDropped: (await sidecarCounter(metricsClients, broker.url, 'tributary_stream_dropped_points_total')) - hubBefore,
        peakRssMiB: peakRss / MiB,
        cpuPercent,
        readerBytes: readerAfter.bytes - readerBefore.bytes,
        readerCpuPercent,
      });
    }
    const hwm = procStatusBytes(pid, 'VmHWM') / MiB;
    metricsClients.close();
    print(soloRate, publishers, phases, idleRss, hwm);
    const problems = sidecar.stderrLines.filter((l) => /warn|error/i.test(String(l.json?.['@level'] ?? '')));
    if (problems.length > 0) {
      console.log(`\nsidecar warnings/errors (${problems.length}), the last 5:`);
      for (const l of problems.slice(-5)) console.log(`  ${l.raw.slice(0, 400)}`);
    }
  } finally {
    await stopChild(readerChild);
    await stopChild(bareChild);
    await drops.close().catch(() => undefined);
    if (sidecar) {
      const exited = sidecar.exited;
      sidecar.kill('SIGTERM');
      await exited;
    }
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(soloRate: number, publishers: number, phases: RatePhase[], idleRss: number, hwm: number): void {
  console.log('\nreferences (same run)');
  line('one publisher alone, msgs/s (QoS 0)', fmt(soloRate, 0), `the rated phases use ${publishers} publisher process(es): ${ratio(publishers * soloRate, Math.max(...phases.map((p) => p.rate)))} of the highest rate`);
  line('sidecar RSS idle, after warm-up (MiB)', fmt(idleRss, 1), 'baseline');

  for (const p of phases) {
    const lost = p.published - p.plugin.received;
    const bareLost = p.published - p.bare.received;
    console.log(`\n${p.rate} msgs/s over ${TOPICS} topics`);
    line('published (achieved msgs/s)', `${p.published}`, `${fmt((p.published * 1000) / p.publishMs, 0)} msgs/s; publishers at most ${fmt(p.publisherLateMs, 0)} ms behind schedule`);
    line('received by the RunStream reader', `${p.plugin.received}`, `bare MQTT.js subscriber ${p.bare.received} (${ratio(p.plugin.received, p.bare.received)})`);
    const lossTarget = p.rate >= ZERO_LOSS_FROM ? `target 0: ${verdict(lost === 0)}` : 'no target below 20k';
    line('lost', `${lost}`, `bare subscriber lost ${bareLost}; ${lossTarget}`);
    if (lost !== 0 || p.plugin.duplicates !== 0) {
      line('  where: broker dropped ($SYS)', `${p.brokerDropped}`, 'messages Mosquitto dropped in this phase');
      line('  where: sidecar received from broker', `${p.sidecarReceived}`, `${p.published - p.sidecarReceived} never reached the sidecar`);
      line('  where: hub dropped for a slow reader', `${p.hubDropped}`, 'points (newest-wins)');
    }
    line('duplicates or out of order', `${p.plugin.duplicates}`, `bare subscriber ${p.bare.duplicates}; target 0: ${verdict(p.plugin.duplicates === 0)}`);
    line('latency p50 (ms)', fmt(p.plugin.latencyP50, 1), `bare subscriber ${fmt(p.bare.latencyP50, 1)}`);
    line('latency p99 (ms)', fmt(p.plugin.latencyP99, 1), `bare subscriber ${fmt(p.bare.latencyP99, 1)}; target ${atMost(p.plugin.latencyP99, LATENCY_TARGET_MS, 'ms')}`);
    // What the sidecar adds on top of the broker and the machine (the bare subscriber's share).
    line('  p99 above the bare subscriber (ms)', fmt(p.plugin.latencyP99 - p.bare.latencyP99, 1), `target ${atMost(p.plugin.latencyP99 - p.bare.latencyP99, LATENCY_TARGET_MS, 'ms')}`);
    line('latency max (ms)', fmt(p.plugin.latencyMax, 1), `bare subscriber ${fmt(p.bare.latencyMax, 1)}`);
    line('sidecar peak RSS (MiB)', fmt(p.peakRssMiB, 1), atMost(p.peakRssMiB, RSS_TARGET_MIB, 'MiB'));
    line('sidecar CPU (% of one core)', fmt(p.cpuPercent, 0), 'whole process, incl. GC and gRPC');
    line('packet bytes per message received', fmt(p.readerBytes / Math.max(1, p.plugin.received), 0), `frame JSON read by the reader (${fmt(p.readerBytes / MiB, 1)} MiB); the payload is ~50 bytes`);
    line('reader CPU (% of one core)', fmt(p.readerCpuPercent, 0), 'the RunStream reader process (gRPC + JSON.parse + counting)');
  }
  console.log('');
  line('sidecar peak RSS over the run (VmHWM, MiB)', fmt(hwm, 1), atMost(hwm, RSS_TARGET_MIB, 'MiB'));
}

// ------------------------------------------------------------------ entry

const [role, ...args] = process.argv.slice(2);
const run =
  role === 'reader'
    ? reader(args[0], args[1])
    : role === 'bare'
      ? bareSubscriber(args[0])
      : role === 'publisher'
        ? publisher(args[0], Number(args[1]), Number(args[2]), Number(args[3]), Number(args[4]), Number(args[5]))
        : coordinator();
run.catch((error) => {
  if (role) send({ type: 'failed', message: String((error as Error).stack ?? error) });
  console.error(error);
  process.exit(1);
});
