/**
 * MQTT topic filter rules (MQTT 3.1.1 §4.7 and 5.0 §4.7), shared by the query editor, the variable
 * query and the backend so both sides reject the same filters with the same words:
 *  - at least one character, at most 65535 bytes of UTF-8, no NUL character;
 *  - `+` matches one level and must fill its level alone (`a/+/b`, not `a/b+`);
 *  - `#` matches the rest and must be alone in the last level (`a/#`, not `a/#/b` or `a#`);
 *  - `$share/…` shared subscriptions are refused: the broker would hand each message to only one of the
 *    backends using this datasource, so their histories and streams would miss messages.
 */

/** Most bytes of UTF-8 in a topic or filter (the MQTT length prefix is 16 bits). */
export const MAX_TOPIC_BYTES = 65_535;

/** Why `filter` is not a usable topic filter, or undefined when it is. */
export function topicFilterError(filter: unknown): string | undefined {
  if (typeof filter !== 'string') {
    return 'the topic filter must be text';
  }
  if (filter.length === 0) {
    return 'the topic filter is empty; enter a topic such as sensors/+/temperature or sensors/#';
  }
  const bytes = utf8Length(filter);
  if (bytes > MAX_TOPIC_BYTES) {
    return `the topic filter is ${bytes} bytes long; MQTT allows at most ${MAX_TOPIC_BYTES}`;
  }
  if (filter.includes('\u0000')) {
    return 'the topic filter contains a NUL character, which MQTT forbids';
  }
  if (filter.startsWith('$share/')) {
    return 'shared subscriptions ($share/…) are not supported: each message would reach only one backend';
  }
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `"#" must be the whole last level of the topic filter (like sensors/#); level ${i + 1} is ${JSON.stringify(level)}`;
    }
    if (level.includes('+') && level !== '+') {
      return `"+" must fill a whole level of the topic filter (like sensors/+/temperature); level ${i + 1} is ${JSON.stringify(level)}`;
    }
  }
  return undefined;
}

/** Whether a concrete topic matches a (valid) filter, with MQTT's rule that wildcards at the start skip `$` topics. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) {
    return false;
  }
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') {
      return true; // also matches the parent level itself (`a/#` matches `a`)
    }
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) {
      return false;
    }
  }
  return f.length === t.length;
}

/** UTF-8 byte count, counted rather than encoded: TextEncoder is not in every runtime the editor is tested in. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one code point above U+FFFF
      i++;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}
