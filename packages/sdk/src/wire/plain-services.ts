/**
 * The served services with plain objects both ways, for the testing entry's clients and test
 * stand-ins for a plugin: field names as in the .proto, int64 → number, enums → names, defaults
 * filled, as a script would write them by hand. Uses the generated variant with toObject/fromObject
 * (generated/protocol-plain), which a plugin never loads.
 */
import type { IConversionOptions } from 'protobufjs';
import * as plain from './generated/protocol-plain';
import { asBuffer, definitions, type Codecs, type MessageCodec, type WireServices } from './protos';

/** How plain messages look. */
export const CONVERSION: IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

interface PlainCodec extends MessageCodec {
  fromObject(object: Record<string, unknown>): object;
  toObject(message: object, options: IConversionOptions): Record<string, unknown>;
}

const PLAIN_CODECS: Codecs<PlainCodec> = {
  root: plain,
  serialize: (type) => (value) => asBuffer(type.encode(type.fromObject(value as Record<string, unknown>)).finish()),
  deserialize: (type) => (bytes) => type.toObject(type.decode(bytes), CONVERSION),
};

let cached: WireServices | undefined;

/** Built once per process. */
export function plainServices(): WireServices {
  cached ??= definitions(PLAIN_CODECS);
  return cached;
}
