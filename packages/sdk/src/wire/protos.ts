/**
 * grpc-js service definitions over the codecs generated from the package's proto/ folder at package
 * build (src/wire/generated/, scripts/generate-wire.mjs): no .proto file and no reflection at run time.
 *
 * What the plugin serves: requests decode to the generated message objects and responses encode from
 * plain objects of the generated interfaces, with no per-call toObject/fromObject pass; wire/convert/
 * turns those messages into the SDK's types and back. (The testing entry's plain-object view of the
 * same services is wire/plain-services.ts.)
 *
 * Why not @grpc/proto-loader: it parses .proto files at run time and eagerly encodes a
 * FileDescriptorProto per file (for gRPC reflection, which Grafana never uses); that was ~30 ms of
 * our start-up.
 */
import type * as grpcJs from '@grpc/grpc-js';
import * as generated from './generated/protocol';
import { SERVICES } from './generated/services';

/** The generated static class of one message type (the plain variant adds fromObject/toObject). */
export interface MessageCodec {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
}

type ServiceName = keyof typeof SERVICES;

/** The generated class for a full type name such as `pluginv2.QueryDataRequest`, in `root`. */
function codecOf<C extends MessageCodec>(root: object, fullName: string): C {
  let node: unknown = root;
  for (const part of fullName.split('.')) node = (node as Record<string, unknown>)?.[part];
  if (typeof node !== 'function') throw new Error(`no generated codec for ${fullName}: rebuild the package (npm run build)`);
  return node as unknown as C;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** How a service's messages go to and from bytes. */
export interface Codecs<C extends MessageCodec> {
  /** The generated module whose classes the definitions use. */
  root: object;
  serialize(type: C): (value: object) => Buffer;
  deserialize(type: C): (bytes: Buffer) => object;
}

const MESSAGE_CODECS: Codecs<MessageCodec> = {
  root: generated,
  serialize: (type) => (value) => asBuffer(type.encode(value).finish()),
  deserialize: (type) => (bytes) => type.decode(bytes),
};

function serviceDefinition<C extends MessageCodec>(name: ServiceName, codecs: Codecs<C>): grpcJs.ServiceDefinition {
  const definition: Record<string, grpcJs.MethodDefinition<object, object>> = {};
  for (const [method, shape] of Object.entries(SERVICES[name])) {
    const request = codecOf<C>(codecs.root, shape.requestType);
    const response = codecOf<C>(codecs.root, shape.responseType);
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
}

/** Definitions of every served service over `codecs`. */
export function definitions<C extends MessageCodec>(codecs: Codecs<C>): WireServices {
  return Object.fromEntries(Object.entries(SERVED).map(([key, name]) => [key, serviceDefinition(name, codecs)])) as WireServices;
}

let cached: Wire | undefined;

/** Builds the definitions once per process. */
export function loadWire(): Wire {
  cached ??= { services: definitions(MESSAGE_CODECS) };
  return cached;
}
