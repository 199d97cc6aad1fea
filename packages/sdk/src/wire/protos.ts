/**
 * grpc-js service definitions over the codecs generated from the package's proto/ folder at package
 * build (src/wire/generated/, scripts/generate-wire.mjs): no .proto file and no reflection at run time.
 *
 * Two views of the same services:
 * - `services`, what the plugin serves: requests decode to the generated message objects and
 *   responses encode from plain objects of the generated interfaces. No per-call toObject/fromObject
 *   pass; wire/convert/ turns those messages into the SDK's types and back.
 * - `plainServices`, what the testing entry's clients (and test stand-ins for a plugin) use: plain
 *   objects in and out with field names as in the .proto, int64 → number, enums → names, defaults
 *   filled, as a script would write them by hand.
 *
 * Why not @grpc/proto-loader: it parses .proto files at run time and eagerly encodes a
 * FileDescriptorProto per file (for gRPC reflection, which Grafana never uses); that was ~30 ms of
 * our start-up.
 */
import type * as grpcJs from '@grpc/grpc-js';
import type { IConversionOptions } from 'protobufjs';
import * as generated from './generated/protocol';
import { SERVICES } from './generated/services';

/** How plain messages look: field names exactly as in the .proto, int64 → number, enums → names. */
export const CONVERSION: IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

/** The generated static class of one message type. */
interface MessageCodec {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(object: Record<string, unknown>): object;
  toObject(message: object, options: IConversionOptions): Record<string, unknown>;
}

type ServiceName = keyof typeof SERVICES;

/** The generated class for a full type name such as `pluginv2.QueryDataRequest`. */
function codecOf(fullName: string): MessageCodec {
  let node: unknown = generated;
  for (const part of fullName.split('.')) node = (node as Record<string, unknown>)?.[part];
  if (typeof node !== 'function') throw new Error(`no generated codec for ${fullName}: rebuild the package (npm run build)`);
  return node as unknown as MessageCodec;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface Codecs {
  serialize(type: MessageCodec): (value: object) => Buffer;
  deserialize(type: MessageCodec): (bytes: Buffer) => object;
}

const MESSAGE_CODECS: Codecs = {
  serialize: (type) => (value) => asBuffer(type.encode(value).finish()),
  deserialize: (type) => (bytes) => type.decode(bytes),
};

const PLAIN_CODECS: Codecs = {
  serialize: (type) => (value) => asBuffer(type.encode(type.fromObject(value as Record<string, unknown>)).finish()),
  deserialize: (type) => (bytes) => type.toObject(type.decode(bytes), CONVERSION),
};

function serviceDefinition(name: ServiceName, codecs: Codecs): grpcJs.ServiceDefinition {
  const definition: Record<string, grpcJs.MethodDefinition<object, object>> = {};
  for (const [method, shape] of Object.entries(SERVICES[name])) {
    const request = codecOf(shape.requestType);
    const response = codecOf(shape.responseType);
    definition[method] = {
      path: shape.path,
      requestStream: shape.requestStream,
      responseStream: shape.responseStream,
      requestSerialize: codecs.serialize(request),
      requestDeserialize: codecs.deserialize(request),
      responseSerialize: codecs.serialize(response),
      responseDeserialize: codecs.deserialize(response),
      originalName: method,
    };
  }
  return definition as grpcJs.ServiceDefinition;
}

/** The services a plugin serves (and Grafana's host calls). */
const SERVED = {
  data: 'pluginv2.Data',
  diagnostics: 'pluginv2.Diagnostics',
  resource: 'pluginv2.Resource',
  stream: 'pluginv2.Stream',
  health: 'grpc.health.v1.Health',
  controller: 'plugin.GRPCController',
  stdio: 'plugin.GRPCStdio',
  broker: 'plugin.GRPCBroker',
} as const satisfies Record<string, ServiceName>;

export type WireServices = Record<keyof typeof SERVED, grpcJs.ServiceDefinition>;

export interface Wire {
  /** Served by the plugin: generated message objects in, plain objects of the generated interfaces out. */
  services: WireServices;
  /** For clients and test stand-ins: plain objects both ways (CONVERSION). */
  plainServices: WireServices;
}

function definitions(codecs: Codecs): WireServices {
  return Object.fromEntries(Object.entries(SERVED).map(([key, name]) => [key, serviceDefinition(name, codecs)])) as WireServices;
}

let cached: Wire | undefined;

/** Builds the definitions once per process. */
export function loadWire(): Wire {
  cached ??= { services: definitions(MESSAGE_CODECS), plainServices: definitions(PLAIN_CODECS) };
  return cached;
}
