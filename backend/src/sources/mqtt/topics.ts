/**
 * MQTT topic filters: validation and matching (`+` one level, `#` the rest, `$`-topics only matched
 * by filters that name them). Written here rather than taken from a package: MQTT.js does not export
 * its matcher, the small standalone packages (mqtt-match, mqtt-pattern) are unmaintained, and the rules
 * fit in a few lines that we test directly.
 */

/** Longest topic filter accepted, UTF-8 bytes (the protocol's limit is 65535; long filters are a mistake). */
export const MAX_TOPIC_FILTER_BYTES = 1024;

/** Why `filter` is not a valid MQTT topic filter, in user words, or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'the topic filter is empty';
  if (Buffer.byteLength(filter, 'utf8') > MAX_TOPIC_FILTER_BYTES) {
    return `the topic filter is longer than ${MAX_TOPIC_FILTER_BYTES} bytes`;
  }
  if (filter.includes('\u0000')) return 'the topic filter contains a NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `"#" must be a whole level and the last one (in "${filter}")`;
    }
    if (level.includes('+') && level !== '+') return `"+" must be a whole level (in "${filter}")`;
  }
  return undefined;
}

/** Whether a concrete `topic` matches topic `filter` (assumed valid). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  // Wildcards in the first level never match topics starting with "$" ($SYS/...).
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false;
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === '#') return true; // also matches the parent level itself: "a/#" matches "a"
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}
