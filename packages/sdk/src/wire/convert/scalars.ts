/** Wire scalars → JavaScript values, for every conversion module. */

/** What protobufjs decodes an int64 into when the `long` library is present (its Long class). */
interface Int64 {
  toNumber(): number;
}

/** An int64 as decoded (a `Long` when protobufjs has the long library, else a number) → number. */
export function int64(value: number | Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** Bytes as decoded (a Buffer slice of the gRPC message) or absent → bytes. */
export function bytes(value: Uint8Array | null | undefined): Uint8Array {
  return value ?? new Uint8Array(0);
}

/** Bytes as a Buffer view (no copy), for text decoding and encoders that want a Buffer. */
export function bufferView(value: Uint8Array | string): Buffer {
  if (typeof value === 'string') return Buffer.from(value);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A map<string, string> field (a decoded message's own object) → a fresh record. */
export function stringMap(map: Record<string, string> | null | undefined): Record<string, string> {
  return map ? { ...map } : {};
}
