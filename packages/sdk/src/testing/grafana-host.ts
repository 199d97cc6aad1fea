/**
 * Grafana's side of the go-plugin protocol, for tests of a plugin: the environment Grafana starts a
 * plugin with, the handshake line parsed as go-plugin's client does, checks of hclog stderr lines,
 * and gRPC clients built from the SDK's own service definitions (the same generated codecs the plugin serves).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- generic gRPC clients are untyped by nature */
import * as grpc from '@grpc/grpc-js';
import { plainServices } from '../wire/plain-services';
import type { WireServices } from '../wire/protos';

// --- environment and handshake ------------------------------------------------------------------

/**
 * The environment Grafana >= 12.4 gives a plugin process : its own
 * variables and go-plugin's, and none of the host's (no PATH, no HOME). `extra` adds `[plugin.<id>]`
 * keys (GF_PLUGIN_*), PATH where a test needs one, or test knobs.
 */
export function grafanaPluginEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GF_VERSION: '13.2.3',
    GF_INSTANCE_FEATURE_TOGGLES_ENABLE: '',
    grafana_plugin_type: 'datasource',
    PLUGIN_PROTOCOL_VERSIONS: '2',
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
    ...extra,
  };
}

export interface Handshake {
  core: number;
  version: number;
  network: 'unix' | 'tcp';
  address: string;
  protocol: string;
  /** The line as the plugin printed it. */
  line: string;
}

const CORE_PROTOCOL_VERSION = 1;
const HOST_PROTOCOL_VERSIONS = [2];
const ALLOWED_PROTOCOLS = ['grpc'];

/**
 * Parses the first stdout line like go-plugin's client.Start() with Grafana's settings: trimmed, split on "|", core version 1, an app version Grafana speaks (2), a unix or tcp
 * address, and protocol grpc (a missing protocol means netrpc, which Grafana does not allow).
 */
export function parseHandshake(line: string): Handshake {
  const parts = line.trim().split('|');
  if (parts.length < 4) throw new Error(`Unrecognized remote plugin message: ${line}`);
  const core = Number.parseInt(parts[0], 10);
  if (core !== CORE_PROTOCOL_VERSION) {
    throw new Error(`Incompatible core API version with plugin. Plugin version: ${parts[0]}, Core version: ${CORE_PROTOCOL_VERSION}`);
  }
  const version = Number.parseInt(parts[1], 10);
  if (!HOST_PROTOCOL_VERSIONS.includes(version)) {
    throw new Error(`Incompatible API version with plugin. Plugin version: ${parts[1]}, Client versions: [${HOST_PROTOCOL_VERSIONS.join(' ')}]`);
  }
  const network = parts[2];
  if (network !== 'unix' && network !== 'tcp') throw new Error(`Unknown address type: ${parts[3]}`);
  const protocol = parts.length > 4 ? parts[4] : 'netrpc';
  if (!ALLOWED_PROTOCOLS.includes(protocol)) {
    throw new Error(`Unsupported plugin protocol "${protocol}". Supported: [${ALLOWED_PROTOCOLS.join(' ')}]`);
  }
  return { core, version, network, address: parts[3], protocol, line };
}

// --- stderr: hclog lines ------------------------------------------------------------------------

export interface LogLine {
  raw: string;
  /** The line as a JSON object, when it is one. */
  json?: Record<string, unknown>;
}

/** One stderr line, with its JSON object when it is one (as go-plugin tries every line). */
export function parseLogLine(raw: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { raw, json: parsed as Record<string, unknown> };
  } catch {
    // a plain line
  }
  return { raw };
}

/** Checks one stderr line the way go-plugin's hclog JSON parser would accept it. */
export function assertHclogLine(line: string): { level: string; message: string } {
  const entry = JSON.parse(line) as Record<string, unknown>;
  for (const key of ['@level', '@message', '@timestamp']) {
    if (typeof entry[key] !== 'string') throw new Error(`${key} must be a string in ${line}`);
  }
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(entry['@level'] as string)) {
    throw new Error(`unknown @level in ${line}`);
  }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/.test(entry['@timestamp'] as string)) {
    throw new Error(`@timestamp needs exactly 6 fractional digits in ${line}`);
  }
  return { level: entry['@level'] as string, message: entry['@message'] as string };
}

// --- gRPC clients -------------------------------------------------------------------------------

/**
 * The plugin's gRPC services a test can dial with {@link clientFor}.
 * @useDeclaredType
 */
export type ServiceName = keyof WireServices;

let constructors: Record<ServiceName, grpc.ServiceClientConstructor> | undefined;

function clientConstructors(): Record<ServiceName, grpc.ServiceClientConstructor> {
  if (!constructors) {
    const services = plainServices();
    constructors = Object.fromEntries(
      Object.entries(services).map(([name, definition]) => [name, grpc.makeGenericClientConstructor(definition, name)]),
    ) as Record<ServiceName, grpc.ServiceClientConstructor>;
  }
  return constructors;
}

/** The service definitions, for tests that stand in for a plugin (a gRPC server of their own). */
export function serviceDefinitions(): Record<ServiceName, grpc.ServiceDefinition> {
  return plainServices();
}

/** The grpc-js target for a handshake address (go-plugin dials `unix` paths and `host:port`). */
export function grpcTarget(handshake: Pick<Handshake, 'network' | 'address'>): string {
  return handshake.network === 'unix' ? `unix:${handshake.address}` : handshake.address;
}

/** Dialled like go-plugin: plaintext, no message size limits, authority "unused". */
const DIAL_OPTIONS: grpc.ClientOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.default_authority': 'unused',
  // Grafana's gRPC client grows its HTTP/2 receive window to 16 MiB by bandwidth estimation; grpc-js
  // keeps Node's 64 KiB, which makes a reader of large stream packets wait for a window update every
  // 64 KiB (on a busy machine: a slow reader that is not busy, and packets dropped for it).
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
};

/** A client for one service at the handshake's address; close() it when done. */
export function clientFor(service: ServiceName, handshake: Pick<Handshake, 'network' | 'address'>): any {
  const Ctor = clientConstructors()[service];
  return new Ctor(grpcTarget(handshake), grpc.credentials.createInsecure(), DIAL_OPTIONS);
}

export type Clients = Record<ServiceName, any> & { close(): void };

/** One client per service over a shared channel, as Grafana talks to a plugin. */
export function connect(handshake: Pick<Handshake, 'network' | 'address'>): Clients {
  const ctors = clientConstructors();
  const first = clientFor('data', handshake) as grpc.Client;
  const channelOverride = first.getChannel();
  const clients: Record<string, unknown> = { data: first };
  for (const [name, Ctor] of Object.entries(ctors)) {
    if (name !== 'data') clients[name] = new Ctor(grpcTarget(handshake), grpc.credentials.createInsecure(), { ...DIAL_OPTIONS, channelOverride });
  }
  return Object.assign(clients, { close: () => first.close() }) as Clients;
}

/** A promisified unary call. */
export function unary<T = any>(
  client: any,
  method: string,
  request: unknown,
  options: grpc.CallOptions = {},
  /** gRPC metadata Grafana would send, e.g. `{ traceparent: '00-…-01' }`. */
  metadata: Record<string, string> = {},
): Promise<T> {
  const sent = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) sent.set(key, value);
  return new Promise((resolve, reject) => {
    client[method](request, sent, options, (err: grpc.ServiceError | null, response: T) => (err ? reject(err) : resolve(response)));
  });
}

/** Call options that end the call after `ms` (so a test fails with DEADLINE_EXCEEDED, not a hang). */
export function within(ms: number): grpc.CallOptions {
  return { deadline: Date.now() + ms };
}

/** Reads a server stream to its end; resolves with the messages and the final status. */
export function collect<T = any>(call: grpc.ClientReadableStream<T>): Promise<{ messages: T[]; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    call.on('data', (m: T) => messages.push(m));
    call.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    call.on('end', () => resolve({ messages }));
  });
}
