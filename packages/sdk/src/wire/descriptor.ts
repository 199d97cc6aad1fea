/**
 * The protocol's .proto files (the package's proto/ folder) as one protobufjs JSON descriptor.
 *
 * This source version parses the files from disk, for running the SDK from source (its own unit
 * tests). The package build replaces the compiled `dist/wire/descriptor.js` with the same descriptor
 * made once at build time (scripts/write-descriptor.mjs), so the built package, and any bundle made
 * from it, needs no .proto file at run time and skips parsing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';

/** The directory holding the .proto files when running from source. */
export const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');

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

/** The descriptor protos.ts builds its root from. */
export function protoDescriptor(): protobuf.INamespace {
  return parseProtoDir().toJSON();
}
