/**
 * The docker compose demo publisher: connects to an MQTT broker and publishes, every period,
 * one nested JSON payload per demo device on `sensors/<device>/env` (timestamps: ISO-8601 text or
 * epoch milliseconds, depending on the device) and a bare number on `power/main/watts`.
 *
 *   node demo/publisher.js [--url mqtt://mosquitto:1883 | --no-mqtt] [--interval-ms 1000] [--count N]
 *                          [--http-port 8080]
 *
 * `--http-port` also serves the web demo (webDemo.ts): a WebSocket ticker on /ws, Server-Sent Events
 * on /events and polled JSON with an ETag on /weather.json (port 0: any free port, printed).
 * Environment: MQTT_URL, PUBLISH_INTERVAL_MS, DEMO_HTTP_PORT (the flags win). `--count N` stops after N rounds
 * (tests); without it, it runs until SIGTERM/SIGINT. MQTT.js reconnects by itself if the broker
 * restarts; rounds missed while disconnected are skipped, not queued.
 */
import mqtt from 'mqtt';

import { DEMO_DEVICES, POWER_TOPIC, envPayload, envTopic, initialState, powerPayload } from './payloads';
import { startWebDemo } from './webDemo';

export interface PublisherOptions {
  url: string;
  intervalMs: number;
  /** Stop after this many rounds; undefined: run until stopped. */
  count?: number;
  log?: (line: string) => void;
}

export interface DemoOptions extends PublisherOptions {
  /** Publish to the MQTT broker at `url` (off with `--no-mqtt`). */
  mqtt: boolean;
  /** Serve the web demo on this port; undefined: no web demo. */
  httpPort?: number;
}

export interface RunningPublisher {
  /** Resolves when `count` rounds were published (never, without a count). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

const MIN_INTERVAL_MS = 50;

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): DemoOptions {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const url = flag('--url') ?? env.MQTT_URL ?? 'mqtt://localhost:1883';
  const intervalMs = Number(flag('--interval-ms') ?? env.PUBLISH_INTERVAL_MS ?? 1000);
  if (!Number.isInteger(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
    throw new Error(`interval must be a whole number of milliseconds ≥ ${MIN_INTERVAL_MS} (got ${flag('--interval-ms') ?? env.PUBLISH_INTERVAL_MS})`);
  }
  const countText = flag('--count');
  const count = countText === undefined ? undefined : Number(countText);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new Error(`--count must be a positive whole number (got ${countText})`);
  }
  const portText = flag('--http-port') ?? env.DEMO_HTTP_PORT;
  const httpPort = portText === undefined ? undefined : Number(portText);
  if (httpPort !== undefined && (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65_535)) {
    throw new Error(`--http-port must be a port number 0..65535 (got ${portText})`);
  }
  const useMqtt = !argv.includes('--no-mqtt');
  if (!useMqtt && httpPort === undefined) {
    throw new Error('--no-mqtt needs --http-port: there would be nothing to publish');
  }
  return { url, intervalMs, count, mqtt: useMqtt, httpPort };
}

export function startPublisher({ url, intervalMs, count, log = () => {} }: PublisherOptions): RunningPublisher {
  const client = mqtt.connect(url, { clientId: `tributary-demo-publisher-${process.pid}`, reconnectPeriod: 1000, connectTimeout: 5000 });
  const states = new Map(DEMO_DEVICES.map((d) => [d.id, initialState()]));
  let rounds = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  const publishRound = () => {
    if (!client.connected) {
      return;
    }
    // Measured at the start of the current period: the payload's time, not the arrival time.
    const measuredAtMs = Math.floor(Date.now() / intervalMs) * intervalMs;
    for (const device of DEMO_DEVICES) {
      client.publish(envTopic(device), JSON.stringify(envPayload(device, states.get(device.id)!, measuredAtMs)));
    }
    client.publish(POWER_TOPIC, powerPayload(measuredAtMs));
    rounds += 1;
    if (count !== undefined && rounds >= count) {
      clearInterval(timer);
      finish();
    }
  };

  client.on('connect', () => log(`publisher: connected to ${url}; ${DEMO_DEVICES.length + 1} topics every ${intervalMs} ms`));
  client.on('error', (err) => log(`publisher: ${err.message}`));
  client.on('offline', () => log(`publisher: broker ${url} unreachable, retrying`));
  const timer = setInterval(publishRound, intervalMs);

  return {
    done,
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`publisher: ${(err as Error).message}`);
    process.exit(2);
  }
  const log = (line: string) => console.log(line);
  const publisher = options.mqtt ? startPublisher({ ...options, log }) : undefined;
  const web = options.httpPort === undefined ? undefined : await startWebDemo({ port: options.httpPort, intervalMs: options.intervalMs, log });
  const stop = () =>
    void Promise.all([publisher?.stop(), web?.close()]).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (publisher && options.count !== undefined) void publisher.done.then(stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`publisher: ${(err as Error).message}`);
    process.exit(1);
  });
}
