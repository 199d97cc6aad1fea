/** A frame that cannot be encoded (bad shape, bad types, invalid JSON, ...). The message names the field. */
export class FrameError extends Error {
  override name = 'FrameError';
}
