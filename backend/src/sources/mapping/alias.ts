/**
 * Series display names from an alias template: `{{topic}}`, `{{field}}` and `{{<label>}}` (a label
 * from the topic pattern) are replaced; blanks inside the braces are ignored (`{{ device }}`); any other
 * placeholder, or a label the series does not have, is left exactly as written so a typo stays visible.
 */

export interface AliasContext {
  topic: string;
  field: string;
  labels: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export function renderAlias(alias: string, context: AliasContext): string {
  return alias.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'topic') return context.topic;
    if (name === 'field') return context.field;
    const label = Object.prototype.hasOwnProperty.call(context.labels, name) ? context.labels[name] : undefined;
    return label ?? whole;
  });
}

/** Whether a topic filter can match more than one topic (MQTT `+` / `#` levels). */
export function hasWildcard(filter: string): boolean {
  return filter.split('/').some((level) => level === '+' || level === '#');
}

/**
 * The alias used when the query has none: the field name alone when one topic is possible, else the
 * field plus what tells the series apart (the pattern's labels, or the topic).
 */
export function defaultAlias(singleTopic: boolean, labelNames: readonly string[]): string {
  if (singleTopic) return '{{field}}';
  if (labelNames.length > 0) return ['{{field}}', ...labelNames.map((n) => `{{${n}}}`)].join(' ');
  return '{{field}} {{topic}}';
}
