/**
 * Channel paths of message-source streams (MQTT today). Grafana Live allows 160 characters for
 * `ds/<uid>/<path>` and only `A-Za-z0-9_-/=.`, while an MQTT topic may hold 65535 bytes of anything, so
 * the query is never written as text. Two forms:
 *
 *   m1/p=<epoch>.<seq>.<from>/j=<base64url(canonical query)>                 self-contained, when it fits
 *   m1/p=<epoch>.<seq>.<from>/z=<base64url(deflate-raw(canonical query))>   the same compressed, when shorter
 *   m1/p=<epoch>.<seq>.<from>/h=<base64url(sha256(canonical query))[0..22]>  otherwise; the query is
 *                                                                            kept in the ChannelStore (on disk)
 *
 * `p` is where the stream starts: the buffer epoch, the last sequence number the QueryData answer
 * held and the start of its time range (ms; both base 36), so the stream continues that answer with no
 * gap and no duplicate, and knows which columns that answer had. Including it makes
 * every answer that saw a different newest message name a different channel, which is what Grafana
 * needs: a path that is reused is shared with whoever runs it already.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { isValidChannelPath } from '@tributary/grafana-backend-sdk/live';
import type { ChannelStore } from './channelStore';
import { parseStreamKeyText, streamKeyText, type StreamQueryKey } from './streamKey';

export const MESSAGE_PATH_VERSION = 'm1';
/** 22 base64url characters = 132 bits of SHA-256: collisions are out of reach. */
const HASH_CHARS = 22;
/** No path can inflate to more (paths are ≤ 160 characters); guards against deflate bombs. */
const MAX_INFLATED_BYTES = 256 * 1024;
const EPOCH_TEXT = /^[a-z0-9]{1,24}$/;
const SEQ_TEXT = /^[a-z0-9]{1,11}$/;

/** Where a stream continues from: a buffer's life (epoch) and the last sequence number already shown. */
export interface StreamPosition {
  epoch: string;
  seq: number;
  /** Start of the answer's time range, ms (≥ 0). */
  fromMs: number;
}

export type MessagePathResult =
  | { status: 'ok'; key: StreamQueryKey; keyText: string; position: StreamPosition; hashed: boolean }
  | { status: 'notFound'; reason: string };

export function isMessageChannelPath(path: unknown): boolean {
  return typeof path === 'string' && path.startsWith(`${MESSAGE_PATH_VERSION}/`);
}

/** The path for `key` starting after `position`, at most `budget` characters (the store keeps hashed queries). */
export function encodeMessageChannelPath(key: StreamQueryKey, position: StreamPosition, budget: number, store: ChannelStore): string {
  const keyText = streamKeyText(key);
  const head = `${MESSAGE_PATH_VERSION}/p=${position.epoch}.${position.seq.toString(36)}.${Math.max(0, Math.floor(position.fromMs)).toString(36)}/`;
  const raw = Buffer.from(keyText, 'utf8');
  const deflated = deflateRawSync(raw);
  const inline = deflated.length < raw.length ? `${head}z=${deflated.toString('base64url')}` : `${head}j=${raw.toString('base64url')}`;
  if (inline.length <= budget) {
    return inline;
  }
  const hash = hashOf(keyText);
  store.put(hash, keyText);
  return `${head}h=${hash}`;
}

export function hashOf(keyText: string): string {
  return createHash('sha256').update(keyText, 'utf8').digest('base64url').slice(0, HASH_CHARS);
}

/** Never throws; anything this module did not write is `notFound`. */
export function parseMessageChannelPath(path: unknown, store: ChannelStore): MessagePathResult {
  const notFound = (reason: string): MessagePathResult => ({ status: 'notFound', reason });
  if (typeof path !== 'string' || path.length > 200 || !isValidChannelPath(path)) {
    return notFound('not a Tributary channel path');
  }
  const parts = path.split('/');
  if (parts.length !== 3 || parts[0] !== MESSAGE_PATH_VERSION) {
    return notFound('not a Tributary message channel path');
  }
  const position = parsePosition(parts[1]);
  if (!position) {
    return notFound(`bad position segment ${JSON.stringify(parts[1])}`);
  }
  const [kind, value] = [parts[2].slice(0, 2), parts[2].slice(2)];
  let keyText: string | undefined;
  if (kind === 'j=' && /^[A-Za-z0-9_-]+$/.test(value)) {
    keyText = Buffer.from(value, 'base64url').toString('utf8');
  } else if (kind === 'z=' && /^[A-Za-z0-9_-]+$/.test(value)) {
    try {
      keyText = inflateRawSync(Buffer.from(value, 'base64url'), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
    } catch {
      return notFound('the query segment does not decompress');
    }
  } else if (kind === 'h=' && value.length === HASH_CHARS && /^[A-Za-z0-9_-]+$/.test(value)) {
    keyText = store.get(value);
    if (keyText === undefined) {
      return notFound('this hashed channel was never recorded by this backend (its state directory was lost): reload the dashboard');
    }
    if (hashOf(keyText) !== value) {
      return notFound('the recorded query does not match the channel hash');
    }
  } else {
    return notFound(`unexpected query segment ${JSON.stringify(parts[2].slice(0, 40))}`);
  }
  const key = parseStreamKeyText(keyText);
  if (!key) {
    return notFound('the channel query is not a Tributary stream query');
  }
  return { status: 'ok', key, keyText, position, hashed: kind === 'h=' };
}

function parsePosition(segment: string): StreamPosition | undefined {
  if (!segment.startsWith('p=')) {
    return undefined;
  }
  const [epoch, seqText, fromText, extra] = segment.slice(2).split('.');
  if (extra !== undefined || !EPOCH_TEXT.test(epoch ?? '') || !SEQ_TEXT.test(seqText ?? '') || !SEQ_TEXT.test(fromText ?? '')) {
    return undefined;
  }
  const seq = parseInt(seqText, 36);
  const fromMs = parseInt(fromText, 36);
  return Number.isSafeInteger(seq) && Number.isSafeInteger(fromMs) ? { epoch, seq, fromMs } : undefined;
}
