/**
 * Grafana Live channel rules (SDK `live/channel.go`): `scope/namespace/path`, every part non-empty,
 * at most 160 characters in all. We produce and accept the documented charset only
 * (letters, digits, `_ - .` in scope/namespace, plus `/ =` in the path), not the extra
 * characters Grafana's `[A-z]` range happens to let through.
 */

export const MAX_CHANNEL_LENGTH = 160;

const SEGMENT_PATTERN = /^[A-Za-z0-9_\-.]+$/;
const PATH_PATTERN = /^[A-Za-z0-9_\-/=.]+$/;

export type LiveScope = 'grafana' | 'plugin' | 'ds' | 'stream';

export interface LiveChannel {
  scope: string;
  namespace: string;
  path: string;
}

export function isValidChannelSegment(text: string): boolean {
  return typeof text === 'string' && SEGMENT_PATTERN.test(text);
}

export function isValidChannelPath(path: string): boolean {
  return typeof path === 'string' && PATH_PATTERN.test(path);
}

/** `scope/namespace/path`, or an Error saying which rule it breaks. */
export function formatChannel(channel: LiveChannel): string | Error {
  const { scope, namespace, path } = channel;
  if (!isValidChannelSegment(scope)) {
    return new Error(`channel scope ${JSON.stringify(scope)} must be non-empty and use only A-Z a-z 0-9 _ - .`);
  }
  if (!isValidChannelSegment(namespace)) {
    return new Error(`channel namespace ${JSON.stringify(namespace)} must be non-empty and use only A-Z a-z 0-9 _ - .`);
  }
  if (!isValidChannelPath(path)) {
    return new Error(`channel path ${JSON.stringify(path)} must be non-empty and use only A-Z a-z 0-9 _ - . / =`);
  }
  const id = `${scope}/${namespace}/${path}`;
  if (id.length > MAX_CHANNEL_LENGTH) {
    return new Error(`channel is ${id.length} characters long; Grafana Live allows at most ${MAX_CHANNEL_LENGTH}`);
  }
  return id;
}

/** Characters left for the path of a `ds/<uid>/…` channel. */
export function datasourcePathBudget(uid: string): number {
  return MAX_CHANNEL_LENGTH - `ds/${uid}/`.length;
}

/** Splits `scope/namespace/path` (the path may hold `/`); undefined when any rule is broken. */
export function parseChannel(id: string): LiveChannel | undefined {
  if (typeof id !== 'string' || id.length > MAX_CHANNEL_LENGTH) {
    return undefined;
  }
  const first = id.indexOf('/');
  const second = first < 0 ? -1 : id.indexOf('/', first + 1);
  if (second < 0) {
    return undefined;
  }
  const channel = { scope: id.slice(0, first), namespace: id.slice(first + 1, second), path: id.slice(second + 1) };
  return isValidChannelSegment(channel.scope) && isValidChannelSegment(channel.namespace) && isValidChannelPath(channel.path)
    ? channel
    : undefined;
}
