/**
 * Turns the protocol's .proto files (the package's proto/ folder) into grpc-js service definitions
 * with protobufjs. The descriptor comes from ./descriptor: made once at package build, so the built
 * package and bundles made from it need no .proto file next to them and skip parsing.
 *
 * Why not @grpc/proto-loader at run time: it eagerly encodes a FileDescriptorProto for every file
 * (for gRPC reflection, which Grafana never uses). That was ~30 ms of our start-up; the service
 * definitions themselves are the few lines below. Tests dial plugins with grpc-js clients made from
 * these same definitions (the testing entry); the conformance suite checks the wire with Go's own codecs.
 */
import type * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { protoDescriptor } from './descriptor';

/** How decoded messages look: field names exactly as in the .proto, int64 → number, enums → names. */
export const CONVERSION: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

function loadRoot(): protobuf.Root {
  const root = protobuf.Root.fromJSON(protoDescriptor());
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
