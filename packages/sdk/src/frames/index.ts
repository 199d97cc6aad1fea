/**
 * Grafana data frames for the backend SDK: the frame model, builders, validation, and the
 * two wire encodings Grafana reads (Arrow IPC files for QueryData, frame JSON for streams).
 * See docs/frames.md.
 *
 * @module @tributary/grafana-backend-sdk/frames
 */
export type { Column, ColumnTypes, Field, FieldConfig, FieldType, Frame, FrameInclude, FrameMeta, Notice, NoticeSeverity, VisType } from './model';
export { FrameError } from './errors';
export { validateFrame, frameRowCount } from './validate';
export { frameToArrow } from './arrow';
export { frameFromArrow } from './arrow-read';
export { frameToJSON, frameToJSONBytes } from './json';
export { timeSeriesDataJSONBytes } from './series-json';
export {
  field,
  frame,
  timeField,
  numberField,
  stringField,
  boolField,
  jsonField,
  enumField,
  timesFromMillis,
  timeValues,
  type FieldOptions,
} from './builders';
