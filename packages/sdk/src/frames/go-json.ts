/**
 * JSON text for frame meta, field config and labels, shaped the way the Go SDK's encoder writes it:
 * struct keys in Go declaration order with Go's `omitempty` rules, map keys sorted, numbers as
 * number-format.ts writes them. Hand-written because `JSON.stringify` keeps the
 * caller's key order, never sorts map keys, and cannot mark which strings Go escapes for HTML.
 * Keys Go does not know are kept (after the known ones) because Grafana's frontend reads them.
 * Facts: the Go SDK's own output, pinned by the golden tests.
 */
import type { FieldConfig, FrameMeta } from './model';
import { float64JSON, goConfFloat, goFloat, int64JSON } from './number-format';

/**
 * Go's encoding/json (and jsoniter's WriteVal in its standard-library mode) escapes <, > and &
 * (and U+2028/9) in strings; jsoniter's WriteString, which FrameToJSON uses for frame and field
 * names, does not. Checked against the output of grafana-plugin-sdk-go v0.299.0.
 */
export interface GoJSONStyle {
  html: boolean;
}

const HTML_CHARS = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function goString(s: string, style: GoJSONStyle): string {
  const text = JSON.stringify(s);
  return style.html ? text.replace(HTML_CHARS, (c) => HTML_ESCAPES[c]) : text;
}

/** Any JSON-able value as Go writes an `interface{}`: objects are maps, so their keys are sorted. */
export function goAny(v: unknown, style: GoJSONStyle): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goString(v, style);
    case 'number':
      return float64JSON(v);
    case 'bigint':
      return int64JSON(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((item) => goAny(item, style)).join(',')}]`;
      const obj = v as Record<string, unknown>;
      if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
        return goAny((obj as { toJSON: () => unknown }).toJSON(), style);
      }
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
        .sort(compareGoStrings);
      return `{${keys.map((k) => `${goString(k, style)}:${goAny(obj[k], style)}`).join(',')}}`;
    }
    default:
      return 'null';
  }
}

/** Go sorts map keys by their UTF-8 bytes; for BMP text that is UTF-16 code unit order. */
function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- structs in Go key order

type Omit = (v: unknown) => boolean;
type Write = (v: unknown, style: GoJSONStyle) => string;
type KeySpec = readonly [key: string, omit: Omit, write: Write];

const isNil: Omit = (v) => v === undefined || v === null;
const isUndefined: Omit = (v) => v === undefined;
const emptyString: Omit = (v) => isNil(v) || v === '';
const emptyNumber: Omit = (v) => isNil(v) || v === 0;
const emptyList: Omit = (v) => isNil(v) || (Array.isArray(v) && v.length === 0);
const emptyMap: Omit = (v) => isNil(v) || (typeof v === 'object' && Object.keys(v as object).length === 0);
const never: Omit = () => false;

const writeString: Write = (v, style) => goString(String(v), style);
const writeBool: Write = (v) => (v ? 'true' : 'false');
const writeAny: Write = goAny;

interface StructKeys {
  known: Set<string>;
  /** Spec index by key. */
  index: Map<string, number>;
  /** Specs written even when their key is absent (their omit() is false for undefined). */
  alwaysWritten: number[];
  /** `"key":` per spec, per style (index 0: plain, 1: HTML-escaped); written for every frame, so kept. */
  prefixes: [string[], string[]];
}

const structKeys = new WeakMap<readonly KeySpec[], StructKeys>();

function keysOf(specs: readonly KeySpec[]): StructKeys {
  let keys = structKeys.get(specs);
  if (!keys) {
    const prefixes = (html: boolean) => specs.map(([key]) => `${goString(key, { html })}:`);
    keys = {
      known: new Set(specs.map(([key]) => key)),
      index: new Map(specs.map(([key], i) => [key, i])),
      alwaysWritten: specs.flatMap(([, omit], i) => (omit(undefined) ? [] : [i])),
      prefixes: [prefixes(false), prefixes(true)],
    };
    structKeys.set(specs, keys);
  }
  return keys;
}

function writeStruct(value: unknown, specs: readonly KeySpec[], style: GoJSONStyle): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return goAny(value, style);
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  const { known, index, alwaysWritten, prefixes } = keysOf(specs);
  const prefix = prefixes[style.html ? 1 : 0];
  const own = Object.keys(obj);
  // A plain object has no other properties than its own keys: only the specs it sets (and those written
  // whatever) are looked at, in spec order, instead of every spec (a config has ~20, a frame sets 1-2).
  const plain = Object.getPrototypeOf(obj) === Object.prototype || Object.getPrototypeOf(obj) === null;
  let visit: Iterable<number>;
  if (plain) {
    const present = alwaysWritten.slice();
    for (const key of Object.getOwnPropertyNames(obj)) {
      const i = index.get(key);
      if (i !== undefined && !alwaysWritten.includes(i)) present.push(i);
    }
    visit = present.sort((a, b) => a - b);
  } else {
    visit = specs.keys();
  }
  for (const i of visit) {
    const [key, omit, write] = specs[i];
    const v = obj[key];
    if (!omit(v)) parts.push(prefix[i] + write(v, style));
  }
  for (const key of own) {
    const v = obj[key];
    if (known.has(key) || v === undefined || typeof v === 'function') continue;
    parts.push(`${goString(key, style)}:${goAny(v, style)}`);
  }
  return `{${parts.join(',')}}`;
}

const listOf =
  (write: Write): Write =>
  (v, style) =>
    Array.isArray(v) ? `[${v.map((item) => write(item, style)).join(',')}]` : goAny(v, style);

const structOf =
  (specs: () => readonly KeySpec[]): Write =>
  (v, style) =>
    writeStruct(v, specs(), style);

// Field config (data/field_config.go).
const ENUM_SPECS: readonly KeySpec[] = [
  ['text', never, listOf(writeString)],
  ['color', emptyList, listOf(writeString)],
  ['icon', emptyList, listOf(writeString)],
  ['description', emptyList, listOf(writeString)],
];
const TYPE_CONFIG_SPECS: readonly KeySpec[] = [['enum', isNil, structOf(() => ENUM_SPECS)]];
const THRESHOLD_STEP_SPECS: readonly KeySpec[] = [
  ['value', never, (v) => goConfFloat(v)],
  ['color', emptyString, writeString],
  ['state', emptyString, writeString],
];
const THRESHOLDS_SPECS: readonly KeySpec[] = [
  ['mode', never, writeString],
  ['steps', never, listOf(structOf(() => THRESHOLD_STEP_SPECS))],
];
const DATA_LINK_SPECS: readonly KeySpec[] = [
  ['title', emptyString, writeString],
  ['targetBlank', (v) => !v, writeBool],
  ['url', emptyString, writeString],
  ['internal', isNil, writeAny],
];
const MAPPING_RESULT_SPECS: readonly KeySpec[] = [
  ['text', emptyString, writeString],
  ['color', emptyString, writeString],
  ['index', emptyNumber, writeAny],
];
const writeMappingResult: Write = structOf(() => MAPPING_RESULT_SPECS);
const MAPPING_OPTION_SPECS: readonly KeySpec[] = [
  ['from', isNil, (v) => goConfFloat(v)],
  ['to', isNil, (v) => goConfFloat(v)],
  ['pattern', isNil, writeString],
  ['match', isNil, writeString],
  ['result', isNil, writeMappingResult],
];
const writeValueMappingOptions: Write = (opts, s) => {
  if (!opts || typeof opts !== 'object') return goAny(opts, s);
  const o = opts as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort(compareGoStrings);
  return `{${keys.map((k) => `${goString(k, s)}:${writeMappingResult(o[k], s)}`).join(',')}}`;
};
// Value mappings hold a map (sorted keys) of results; the other kinds hold a struct.
const VALUE_MAPPING_SPECS: readonly KeySpec[] = [
  ['type', never, writeString],
  ['options', never, writeValueMappingOptions],
];
const OTHER_MAPPING_SPECS: readonly KeySpec[] = [
  ['type', never, writeString],
  ['options', never, structOf(() => MAPPING_OPTION_SPECS)],
];
const writeMapping: Write = (v, style) => {
  const m = v as { type?: unknown; options?: unknown } | null;
  if (!m || typeof m !== 'object') return goAny(v, style);
  return writeStruct(v, m.type === 'value' ? VALUE_MAPPING_SPECS : OTHER_MAPPING_SPECS, style);
};

export const FIELD_CONFIG_SPECS: readonly KeySpec[] = [
  ['displayName', emptyString, writeString],
  ['displayNameFromDS', emptyString, writeString],
  ['path', emptyString, writeString],
  ['description', emptyString, writeString],
  ['filterable', isNil, writeBool],
  ['writeable', isNil, writeBool],
  ['unit', emptyString, writeString],
  ['decimals', isNil, writeAny],
  // An explicit null is kept (it is what a NaN/Inf min/max reads back as from Arrow or JSON).
  ['min', isUndefined, (v) => goConfFloat(v)],
  ['max', isUndefined, (v) => goConfFloat(v)],
  ['interval', emptyNumber, (v) => goConfFloat(v)],
  ['mappings', emptyList, listOf(writeMapping)],
  ['thresholds', isNil, structOf(() => THRESHOLDS_SPECS)],
  ['color', emptyMap, writeAny],
  ['links', emptyList, listOf(structOf(() => DATA_LINK_SPECS))],
  ['noValue', emptyString, writeString],
  ['type', isNil, structOf(() => TYPE_CONFIG_SPECS)],
  ['custom', emptyMap, writeAny],
];

// Frame meta (data/frame_meta.go).
const NOTICE_SPECS: readonly KeySpec[] = [
  // Go writes the severity even when it is the zero value, "info".
  ['severity', never, (v, style) => goString(isNil(v) || v === '' ? 'info' : String(v), style)],
  ['text', never, (v, style) => goString(isNil(v) ? '' : String(v), style)],
  ['link', emptyString, writeString],
  ['inspect', emptyString, writeString],
];
const STAT_SPECS: readonly KeySpec[] = [
  ...FIELD_CONFIG_SPECS,
  ['value', never, (v) => (typeof v === 'number' && Number.isFinite(v) ? goFloat(v) : '0')],
];
const META_SPECS: readonly KeySpec[] = [
  ['type', emptyString, writeString],
  [
    'typeVersion',
    never,
    (v) => {
      const tv = Array.isArray(v) ? v : [0, 0];
      return `[${Number(tv[0] ?? 0) | 0},${Number(tv[1] ?? 0) | 0}]`;
    },
  ],
  ['path', emptyString, writeString],
  ['pathSeparator', emptyString, writeString],
  ['custom', isNil, writeAny],
  ['stats', emptyList, listOf(structOf(() => STAT_SPECS))],
  ['notices', emptyList, listOf(structOf(() => NOTICE_SPECS))],
  ['channel', emptyString, writeString],
  ['preferredVisualisationType', emptyString, writeString],
  ['preferredVisualisationPluginId', emptyString, writeString],
  ['executedQueryString', emptyString, writeString],
  ['dataTopic', emptyString, writeString],
  ['uniqueRowIdFields', emptyList, listOf(writeAny)],
];

/** Meta, config and string cells, in frame JSON and in Arrow metadata alike: HTML-escaped. */
export const GO_JSON: GoJSONStyle = Object.freeze({ html: true });

export function metaToGoJSON(meta: FrameMeta, style: GoJSONStyle): string {
  return writeStruct(meta, META_SPECS, style);
}

export function fieldConfigToGoJSON(config: FieldConfig, style: GoJSONStyle): string {
  return writeStruct(config, FIELD_CONFIG_SPECS, style);
}

/**
 * Labels are a Go map[string]string: keys sorted. Their Go MarshalJSON writes them without HTML
 * escaping (frame JSON keeps that); encoding/json then escapes them inside Arrow metadata.
 */
export function labelsToGoJSON(labels: Record<string, string>, escapeHTML: boolean): string {
  const style = { html: escapeHTML };
  const keys = Object.keys(labels).sort(compareGoStrings);
  return `{${keys.map((k) => `${goString(k, style)}:${goString(String(labels[k]), style)}`).join(',')}}`;
}
