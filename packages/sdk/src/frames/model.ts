/**
 * The data frame model: what a plugin builds and what the Arrow and frame-JSON writers encode.
 * Columns are typed arrays wherever the type allows, so building a frame allocates no per-row objects.
 * Type names follow the Go SDK's field types.
 */

/** Every field type the Go SDK supports. */
export type FieldType =
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float32' | 'float64'
  | 'string' | 'bool' | 'time' | 'json' | 'enum';

/** The column representation for each field type. */
export interface ColumnTypes {
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  float32: Float32Array;
  float64: Float64Array;
  /** Plain strings. In a nullable field a row is null when `valid` says so, or when its entry is null. */
  string: string[];
  /** One byte per row: 0 = false, anything else = true. */
  bool: Uint8Array;
  /** Nanoseconds since the Unix epoch (UTC). */
  time: BigInt64Array;
  /**
   * Raw JSON text per row (what Go's json.RawMessage holds); must be valid JSON or empty (written as
   * null). Null rows as for `string`.
   */
  json: string[];
  /** Index into the field config's `type.enum.text`. */
  enum: Uint16Array;
}

export type Column<T extends FieldType = FieldType> = ColumnTypes[T];

/** Field config as Grafana's FieldConfig JSON (displayName, unit, decimals, min, max, custom, ...). */
export type FieldConfig = Record<string, unknown>;

export interface Field<T extends FieldType = FieldType> {
  name: string;
  type: T;
  values: ColumnTypes[T];
  /** Nullable fields may hold nulls; the flag is part of the schema even when no row is null. */
  nullable?: boolean;
  /** Per-row validity for nullable fields: one byte per row, 0 = null. Absent = no nulls. */
  valid?: Uint8Array;
  labels?: Record<string, string>;
  config?: FieldConfig;
}

export type NoticeSeverity = 'info' | 'warning' | 'error';

export interface Notice {
  severity?: NoticeSeverity;
  text: string;
  link?: string;
  inspect?: string;
}

export type VisType = 'graph' | 'table' | 'logs' | 'trace' | 'nodeGraph' | 'flamegraph';

/** Frame meta; keys and their JSON order follow the Go SDK's FrameMeta. */
export interface FrameMeta {
  type?: string;
  typeVersion?: [number, number];
  path?: string;
  pathSeparator?: string;
  custom?: unknown;
  stats?: unknown[];
  notices?: Notice[];
  channel?: string;
  preferredVisualisationType?: VisType;
  preferredVisualisationPluginId?: string;
  executedQueryString?: string;
  dataTopic?: string;
  uniqueRowIdFields?: number[];
}

export interface Frame {
  name?: string;
  refId?: string;
  meta?: FrameMeta;
  fields: Field[];
}

/** Which parts of a frame the JSON writer emits (the Go SDK's FrameInclude). */
export type FrameInclude = 'all' | 'schema' | 'data';
