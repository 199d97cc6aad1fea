/**
 * The pluginv2 (and go-plugin, health, google.rpc) message types, generated from the package's
 * proto/ folder at package build (src/wire/generated/). Decoded requests are the generated message
 * classes (int64 fields may be `Long`, enums are numbers); responses are plain objects of the
 * generated `I…` interfaces. wire/convert/ is the one place that turns them into the SDK's types.
 */
export { google, pluginv2 } from './generated/protocol';
export { grpc as grpcHealth } from './generated/protocol';

/** The frame encoding a QueryData request asks for (pluginv2.DataFrameFormat by name). */
export type WireFormat = 'ARROW' | 'JSON';
