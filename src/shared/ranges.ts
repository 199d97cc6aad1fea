/**
 * One numeric range check shared by the query model and the datasource settings, so a query field
 * and a setting that break their range read the same message in the editor and from the backend.
 */

export interface NumericRange {
  min: number;
  max: number;
  /** Only whole numbers allowed. */
  integer?: boolean;
}

/** Why `value` (named `name` in the message) is outside `range`, or undefined when it is fine. */
export function numberRangeError(name: string, value: number, range: NumericRange): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `${name} must be a finite number`;
  }
  if (range.integer && !Number.isInteger(value)) {
    return `${name} must be a whole number`;
  }
  if (value < range.min || value > range.max) {
    return `${name} must be between ${range.min} and ${range.max}`;
  }
  return undefined;
}
