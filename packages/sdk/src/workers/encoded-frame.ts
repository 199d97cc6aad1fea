/**
 * A frame that is already encoded for the wire (Arrow IPC file or frame JSON). Worker tasks hand these
 * back so the heavy encoding happens off the event loop; the response encoder passes them through.
 */
import type { WireFormat } from '../wire/messages';

export interface EncodedFrame {
  readonly kind: 'encoded-frame';
  readonly format: WireFormat;
  readonly bytes: Uint8Array;
}

export function isEncodedFrame(value: unknown): value is EncodedFrame {
  return typeof value === 'object' && value !== null && (value as EncodedFrame).kind === 'encoded-frame';
}
