/**
 * An SDK frame → the bytes of one wire frame in the requested format. Its own module (no generated
 * code) because frame worker threads load it too.
 */
import { frameToArrow, frameToJSONBytes } from '../../frames';
import type { Frame } from '../../frames/model';
import { checkFrameForQuery } from '../../frames/validate';
import type { WireFormat } from '../messages';

export function encodeFrame(frame: Frame, refId: string, format: WireFormat): Uint8Array {
  // The one check of a handler's frame (a FrameError naming the field); a checked frame is not checked again.
  const checked = checkFrameForQuery(frame, refId);
  return format === 'JSON' ? frameToJSONBytes(checked, 'all') : frameToArrow(checked);
}
