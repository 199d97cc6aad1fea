/**
 * An SDK frame → the bytes of one wire frame in the requested format. Its own module (no generated
 * code) because frame worker threads load it too.
 */
import { frameToArrow, frameToJSONBytes } from '../../frames';
import type { Frame } from '../../frames/model';
import type { WireFormat } from '../messages';

export function encodeFrame(frame: Frame, refId: string, format: WireFormat): Uint8Array {
  const withRefId = frame.refId ? frame : { ...frame, refId };
  // Both encoders validate the frame first (a FrameError naming the field).
  return format === 'JSON' ? frameToJSONBytes(withRefId, 'all') : frameToArrow(withRefId);
}
