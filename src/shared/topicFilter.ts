/**
 * MQTT topic filter rules (MQTT 3.1.1 / 5 §4.7), shared by the query editor (inline error) and any
 * backend check, so both say the same thing: `+` is one whole level, `#` only the whole last level.
 */

/** MQTT strings are at most 65 535 bytes. */
export const MAX_TOPIC_FILTER_BYTES = 65_535;

/** Why `filter` is not a valid MQTT topic filter, or undefined when it is. */
export function topicFilterError(filter: string): string | undefined {
  if (filter.length === 0) {
    return 'Topic filter is required';
  }
  if (filter.includes('\u0000')) {
    return 'Topic filter must not contain the NUL character';
  }
  if (new TextEncoder().encode(filter).length > MAX_TOPIC_FILTER_BYTES) {
    return `Topic filter must be at most ${MAX_TOPIC_FILTER_BYTES} bytes`;
  }
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return "'#' must be the whole last level of a topic filter (e.g. sensors/#)";
    }
    if (level.includes('+') && level !== '+') {
      return "'+' must be a whole level of a topic filter (e.g. sensors/+/env)";
    }
  }
  return undefined;
}
