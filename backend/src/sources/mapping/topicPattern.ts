/**
 * Labels from topic segments: `sensors/{device}/temperature` matches `sensors/kitchen/temperature` and
 * gives `{device: "kitchen"}`; `site/{path...}` takes the rest of the topic (`site/a/b` → `path: "a/b"`).
 * Literal segments must match exactly; `+` and `#` are accepted as "any one segment" and "any rest"
 * without a label, so a pattern can be written like the topic filter it describes.
 */

export class TopicPatternError extends Error {
  constructor(pattern: string, reason: string) {
    super(`topic pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'TopicPatternError';
  }
}

type Step = { kind: 'literal'; text: string } | { kind: 'label'; name: string } | { kind: 'any' } | { kind: 'rest'; name?: string };

/** Label names the mapping sets itself. */
export const RESERVED_LABELS = ['topic'] as const;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TopicPattern {
  readonly text: string;
  /** Label names in pattern order. */
  readonly labelNames: readonly string[];
  /** The labels of `topic`, or undefined when it does not match. */
  match(topic: string): Record<string, string> | undefined;
}

export function compileTopicPattern(pattern: string): TopicPattern {
  const text = pattern.trim();
  if (text === '') throw new TopicPatternError(pattern, 'is empty');
  const parts = text.split('/');
  const steps: Step[] = [];
  const names = new Set<string>();
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const label = /^\{(.*?)(\.\.\.)?\}$/.exec(part);
    if (label) {
      const [, name, rest] = label;
      if (!LABEL_NAME.test(name)) throw new TopicPatternError(pattern, `label name ${JSON.stringify(name)} in segment ${i + 1} must be letters, digits and _ (not starting with a digit)`);
      if ((RESERVED_LABELS as readonly string[]).includes(name)) throw new TopicPatternError(pattern, `label name "${name}" is reserved (every series has it)`);
      if (names.has(name)) throw new TopicPatternError(pattern, `label "${name}" appears twice`);
      if (rest && !last) throw new TopicPatternError(pattern, `{${name}...} takes the rest of the topic, so it must be the last segment`);
      names.add(name);
      steps.push(rest ? { kind: 'rest', name } : { kind: 'label', name });
    } else if (part === '#') {
      if (!last) throw new TopicPatternError(pattern, '"#" must be the last segment');
      steps.push({ kind: 'rest' });
    } else if (part === '+') {
      steps.push({ kind: 'any' });
    } else {
      if (/[{}]/.test(part)) throw new TopicPatternError(pattern, `segment ${i + 1} ${JSON.stringify(part)}: a label is a whole segment, written {name} or {name...}`);
      if (/[+#]/.test(part)) throw new TopicPatternError(pattern, `segment ${i + 1} ${JSON.stringify(part)}: "+" and "#" must be whole segments`);
      steps.push({ kind: 'literal', text: part });
    }
  });
  return {
    text,
    labelNames: [...names],
    match(topic: string) {
      const segs = topic.split('/');
      const labels: Record<string, string> = {};
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i];
        if (step.kind === 'rest') {
          // MQTT's "#" also matches the parent level (`a/#` matches `a`); the label is then empty.
          if (i > segs.length) return undefined;
          if (step.name) labels[step.name] = segs.slice(i).join('/');
          return labels;
        }
        if (i >= segs.length) return undefined;
        if (step.kind === 'literal' && segs[i] !== step.text) return undefined;
        if (step.kind === 'label') labels[step.name] = segs[i];
      }
      return segs.length === steps.length ? labels : undefined;
    },
  };
}
