/**
 * The docker compose MQTT demo, for real on this machine: Mosquitto (Debian's package) runs the
 * repository's docker/mosquitto.conf (only its listener moved to a free loopback port), the compose
 * healthcheck command answers against it, and the bundled demo publisher (scripts/build-demo.mjs, the
 * file the image runs) publishes payloads that parse, with timestamps of their own.
 * Skips, saying why, when no mosquitto binary is installed (`.ci/run` installs it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';

import { DEMO_DEVICES, POWER_TOPIC, envTopic } from '../../backend/src/demo/payloads';
import { parseOptions } from '../../backend/src/demo/publisher';
import { stopChild } from '../launcher/harness';
import { removeTempDirs, repoRoot, tempDir } from '../support/goplugin';
import { commandOf, loadCompose } from './compose-file';

jest.setTimeout(60_000);

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const describeWithBroker = MOSQUITTO ? describe : describe.skip;
if (!MOSQUITTO) console.warn('demo publisher test skipped: no mosquitto binary (apt-get install -y mosquitto)');

const INTERVAL_MS = 200;
const ROUNDS = 5;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Received {
  topic: string;
  payload: string;
  arrivedAtMs: number;
}

describeWithBroker('docker compose MQTT demo against a real Mosquitto', () => {
  const children: ChildProcess[] = [];
  let port: number;
  let brokerLog = '';

  beforeAll(async () => {
    port = await freePort();
    const dir = tempDir('trmq-');
    const config = readFileSync(path.join(repoRoot, 'docker', 'mosquitto.conf'), 'utf8');
    expect(config).toMatch(/^listener 1883 0\.0\.0\.0$/m);
    const configFile = path.join(dir, 'mosquitto.conf');
    writeFileSync(configFile, config.replace(/^listener 1883 0\.0\.0\.0$/m, `listener ${port} 127.0.0.1`));
    const broker = spawn(MOSQUITTO!, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(broker);
    broker.stdout!.on('data', (chunk: Buffer) => (brokerLog += chunk.toString()));
    broker.stderr!.on('data', (chunk: Buffer) => (brokerLog += chunk.toString()));
    // Ready when it accepts TCP connections (it logs nothing at start with the demo's log levels).
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (broker.exitCode !== null) throw new Error(`mosquitto exited with ${broker.exitCode}:\n${brokerLog}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) break;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 10 s:\n${brokerLog}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    for (const child of children.reverse()) await stopChild(child);
    removeTempDirs();
  });

  it("the compose healthcheck command (a real subscribe) succeeds against the demo broker's config", () => {
    const test = loadCompose().services.mosquitto.healthcheck!.test as string[];
    expect(test.slice(0, 2)).toEqual(['CMD', 'mosquitto_sub']);
    const sub = path.join(path.dirname(MOSQUITTO!).replace('sbin', 'bin'), 'mosquitto_sub');
    const output = execFileSync(existsSync(sub) ? sub : 'mosquitto_sub', [...test.slice(2), '-h', '127.0.0.1', '-p', String(port)], { encoding: 'utf8' });
    expect(output).toMatch(/mosquitto version \d/);
  });

  it('the bundled publisher publishes every demo topic; payloads parse and carry their own timestamps', async () => {
    const outfile = path.join(tempDir('trdemo-'), 'publisher.js');
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-demo.mjs'), '--outfile', outfile], { stdio: 'pipe' });
    // The compose service runs the same file with the same flags, the broker address aside.
    const composeArgs = commandOf(loadCompose().services.publisher);
    expect(composeArgs.slice(0, 2)).toEqual(['node', 'demo/publisher.js']);

    const received: Received[] = [];
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `demo-test-${process.pid}` });
    subscriber.on('message', (topic, payload) => received.push({ topic, payload: payload.toString(), arrivedAtMs: Date.now() }));
    await subscriber.subscribeAsync('#');

    const publisher = spawn(process.execPath, [outfile, '--url', `mqtt://127.0.0.1:${port}`, '--interval-ms', String(INTERVAL_MS), '--count', String(ROUNDS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(publisher);
    let log = '';
    publisher.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    publisher.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const code = await new Promise<number | null>((resolve) => publisher.once('exit', resolve));
    expect([code, log]).toEqual([0, expect.stringContaining(`connected to mqtt://127.0.0.1:${port}`)]);
    // QoS 0 over loopback: give the last round a moment to reach the subscriber.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await subscriber.endAsync();

    const topics = [...DEMO_DEVICES.map(envTopic), POWER_TOPIC];
    const byTopic = new Map(topics.map((t) => [t, received.filter((m) => m.topic === t)]));
    for (const topic of topics) expect([topic, byTopic.get(topic)!.length]).toEqual([topic, ROUNDS]);
    expect(received.every((m) => topics.includes(m.topic))).toBe(true);

    for (const device of DEMO_DEVICES) {
      const messages = byTopic.get(envTopic(device))!;
      const times: number[] = [];
      for (const message of messages) {
        const body = JSON.parse(message.payload);
        // Nested objects and an array, as real sensors send.
        expect(body).toMatchObject({
          location: { room: device.room, floor: device.floor },
          env: { temperature: expect.any(Number), humidity: expect.any(Number), pressure: expect.any(Number) },
          device: { battery: expect.any(Number), firmware: expect.any(String) },
          status: expect.stringMatching(/^(ok|warm)$/),
          tags: expect.arrayContaining(['demo']),
        });
        expect(body.env.temperature).toBeGreaterThan(-10);
        expect(body.env.temperature).toBeLessThan(40);
        // ISO-8601 text for some devices, epoch milliseconds for the others.
        if (device.timeFormat === 'iso') {
          expect(body.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        } else {
          expect(typeof body.ts).toBe('number');
        }
        const ts = typeof body.ts === 'number' ? body.ts : Date.parse(body.ts);
        // The payload's own time: the start of its measuring period, before (not at) arrival.
        expect(ts % INTERVAL_MS).toBe(0);
        expect(ts).toBeLessThanOrEqual(message.arrivedAtMs);
        expect(message.arrivedAtMs - ts).toBeLessThan(INTERVAL_MS + 1_000);
        times.push(ts);
      }
      // One measurement per period, strictly increasing.
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
      expect(new Set(messages.map((m) => JSON.parse(m.payload).seq)).size).toBe(ROUNDS);
    }
    for (const message of byTopic.get(POWER_TOPIC)!) {
      // A bare number: the whole payload parses as one.
      expect(message.payload).toMatch(/^\d+(\.\d+)?$/);
      expect(Number(message.payload)).toBeGreaterThan(0);
    }
  });
});

describe('demo publisher options', () => {
  it('takes flags over environment, with defaults', () => {
    expect(parseOptions([], {})).toEqual({ url: 'mqtt://localhost:1883', intervalMs: 1000, count: undefined, mqtt: true, httpPort: undefined });
    expect(parseOptions(['--url', 'mqtt://b:1'], { MQTT_URL: 'mqtt://env:2', PUBLISH_INTERVAL_MS: '500', DEMO_HTTP_PORT: '9000' })).toEqual({
      url: 'mqtt://b:1',
      intervalMs: 500,
      count: undefined,
      mqtt: true,
      httpPort: 9000,
    });
    expect(parseOptions(['--no-mqtt', '--http-port', '0'], {})).toMatchObject({ mqtt: false, httpPort: 0 });
  });

  it('rejects a bad interval or count with a clear message', () => {
    expect(() => parseOptions(['--interval-ms', '5'], {})).toThrow('interval must be a whole number of milliseconds ≥ 50 (got 5)');
    expect(() => parseOptions(['--count', 'x'], {})).toThrow('--count must be a positive whole number (got x)');
    expect(() => parseOptions(['--http-port', '70000'], {})).toThrow('--http-port must be a port number 0..65535 (got 70000)');
    expect(() => parseOptions(['--no-mqtt'], {})).toThrow('--no-mqtt needs --http-port: there would be nothing to publish');
  });
});
