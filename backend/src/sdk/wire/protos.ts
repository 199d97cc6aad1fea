/**
 * Turns our .proto files (backend/proto) into grpc-js service definitions with protobufjs.
 *
 * The bundle embeds the files as a protobufjs JSON descriptor made at build time
 * (scripts/build-backend.mjs defines `__TRIBUTARY_PROTO_JSON__`), so `dist/backend/main.js` needs no
 * file next to it and skips parsing. Unbundled (tests, ts-node) the .proto files are parsed from disk.
 *
 * Why not @grpc/proto-loader at run time: it eagerly encodes a FileDescriptorProto for every file
 * (for gRPC reflection, which Grafana never uses). That was ~30 ms of our start-up; the service
 * definitions themselves are the few lines below. Tests dial us with grpc-js clients made from these
 * same definitions (tests/support/goplugin.ts); the conformance suite checks the wire with Go's own codecs.
 */
import type * as grpc from '@grpc/grpc-js';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';

declare const __TRIBUTARY_PROTO_JSON__: protobuf.INamespace | undefined;

/** How decoded messages look: field names exactly as in the .proto, int64 → number, enums → names. */
export const CONVERSION: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

/** The directory holding our .proto files when running from source. */
export const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'proto');

/** Parses every .proto file of `dir` into one resolved root (field names kept as written). */
export function parseProtoDir(dir: string = PROTO_DIR): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.proto')).sort()) {
    try {
      protobuf.parse(readFileSync(path.join(dir, file), 'utf8'), root, { keepCase: true });
    } catch (err) {
      throw new Error(`cannot parse ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  root.resolveAll();
  return root;
}

function loadRoot(): protobuf.Root {
  if (typeof __TRIBUTARY_PROTO_JSON__ === 'undefined') return parseProtoDir();
  const root = protobuf.Root.fromJSON(__TRIBUTARY_PROTO_JSON__);
  root.resolveAll();
  return root;
}

function serializer(type: protobuf.Type): (value: object) => Buffer {
  return (value) => {
    const bytes = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(type: protobuf.Type): (bytes: Buffer) => object {
  return (bytes) => type.toObject(type.decode(bytes), CONVERSION);
}

/** A grpc-js service definition for a protobufjs service (what proto-loader would build). */
export function serviceDefinition(service: protobuf.Service): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  const servicePath = service.fullName.replace(/^\./, '');
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${servicePath}/${method.name}`,
      requestStream: Boolean(method.requestStream),
      responseStream: Boolean(method.responseStream),
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: method.name,
    };
  }
  return definition as grpc.ServiceDefinition;
}

export interface Wire {
  root: protobuf.Root;
  services: {
    data: grpc.ServiceDefinition;
    diagnostics: grpc.ServiceDefinition;
    resource: grpc.ServiceDefinition;
    stream: grpc.ServiceDefinition;
    health: grpc.ServiceDefinition;
    controller: grpc.ServiceDefinition;
    stdio: grpc.ServiceDefinition;
    broker: grpc.ServiceDefinition;
  };
  /** google.rpc.Status / ErrorInfo, for rich error details. */
  rpcStatus: protobuf.Type;
  errorInfo: protobuf.Type;
}

let cached: Wire | undefined;

/** Loads the protos once per process. */
export function loadWire(): Wire {
  if (cached) return cached;
  const root = loadRoot();
  const service = (name: string): grpc.ServiceDefinition => serviceDefinition(root.lookupService(name));
  cached = {
    root,
    services: {
      data: service('pluginv2.Data'),
      diagnostics: service('pluginv2.Diagnostics'),
      resource: service('pluginv2.Resource'),
      stream: service('pluginv2.Stream'),
      health: service('grpc.health.v1.Health'),
      controller: service('plugin.GRPCController'),
      stdio: service('plugin.GRPCStdio'),
      broker: service('plugin.GRPCBroker'),
    },
    rpcStatus: root.lookupType('google.rpc.Status'),
    errorInfo: root.lookupType('google.rpc.ErrorInfo'),
  };
  return cached;
}
