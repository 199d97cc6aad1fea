/**
 * Checks of a query's payload mapping that the editor shows inline and provisioning tests apply to
 * provisioned queries; the limits are MAPPING_LIMITS (the backend's mapping enforces the same).
 */
import { MAPPING_LIMITS } from './mapping';

/** `a.b, list[0].x` → ['a.b', 'list[0].x']; blanks dropped. */
export function parseFieldList(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Why a list of field paths is not acceptable, or undefined. */
export function fieldListError(paths: readonly string[]): string | undefined {
  if (paths.length > MAPPING_LIMITS.maxExplicitFields) {
    return `Fields: at most ${MAPPING_LIMITS.maxExplicitFields} paths (got ${paths.length})`;
  }
  if (paths.some((p) => p.length > MAPPING_LIMITS.maxPathLength)) {
    return `Fields: a path may be at most ${MAPPING_LIMITS.maxPathLength} characters`;
  }
  return undefined;
}

/** Why a path (time field, pattern) named `name` is too long, or undefined. */
export function pathLengthError(name: string, text: string): string | undefined {
  return text.length > MAPPING_LIMITS.maxPathLength ? `${name} must be at most ${MAPPING_LIMITS.maxPathLength} characters` : undefined;
}

/**
 * Why a topic pattern is malformed, or undefined: each `{name}` is a whole level (letters, digits,
 * `_`), and `{name...}` (the rest of the topic) may only be the last level.
 */
export function topicPatternError(pattern: string): string | undefined {
  const levels = pattern.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (!level.includes('{') && !level.includes('}')) {
      continue;
    }
    const match = /^\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}$/.exec(level);
    if (!match) {
      return `Topic pattern: "${level}" must be a whole level like {device} (a name of letters, digits and _)`;
    }
    if (match[2] && i !== levels.length - 1) {
      return `Topic pattern: {${match[1]}...} may only be the last level`;
    }
  }
  return pathLengthError('Topic pattern', pattern);
}
