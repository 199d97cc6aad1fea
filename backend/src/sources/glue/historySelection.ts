/**
 * Which buffered messages answer a QueryData, and where its stream goes on from: the messages that
 * arrived within the time range (the newest `MAX_MESSAGES_PER_QUERY` of them), and the seq of the
 * newest message the answer covers, so the channel continues right after it. A stream selects again
 * with the answer's last seq as `upToSeq` and gets the same messages (less any the buffer let go since).
 */
import type { RawMessage, Subscription } from '../contracts';

/** Most messages one QueryData maps (the newest are kept); bounds the work and the frame size. */
export const MAX_MESSAGES_PER_QUERY = 200_000;

export interface HistorySelection {
  messages: RawMessage[];
  /** Messages in range left out (the oldest) to honour the cap. */
  omitted: number;
  /** Seq of the newest message the answer covers (0 when none): the stream's start. */
  lastSeq: number;
}

export function selectHistory(
  subscription: Subscription,
  range: { fromMs: number; toMs: number },
  upToSeq?: number,
  maxMessages = MAX_MESSAGES_PER_QUERY,
): HistorySelection {
  let messages = subscription.history({ fromMs: range.fromMs, toMs: range.toMs });
  if (upToSeq !== undefined) {
    let end = messages.length;
    while (end > 0 && messages[end - 1].seq > upToSeq) {
      end--;
    }
    messages = end === messages.length ? messages : messages.slice(0, end);
  }
  let lastSeq: number;
  if (messages.length > 0) {
    lastSeq = messages[messages.length - 1].seq;
  } else if (upToSeq !== undefined) {
    lastSeq = upToSeq;
  } else {
    // Nothing in range: the stream still must not replay older messages, so start after the newest before it.
    const before = subscription.history({ fromMs: Number.NEGATIVE_INFINITY, toMs: range.fromMs });
    lastSeq = before.length > 0 ? before[before.length - 1].seq : 0;
  }
  const omitted = Math.max(0, messages.length - maxMessages);
  if (omitted > 0) {
    messages = messages.slice(omitted);
  }
  return { messages, omitted, lastSeq };
}
