/**
 * Grafana data frames for the backend SDK: the frame model, builders, the check every frame passes
 * once (`checkFrame`, giving the CheckedFrame the encoders take), and the two wire encodings Grafana
 * reads (Arrow IPC files for QueryData, frame JSON for streams). See docs/frames.md.
 *
 * @module @tributary/grafana-backend-sdk/frames
 */
export type { Column, ColumnTypes, Field, FieldConfig, FieldType, Frame, FrameInclude, FrameMeta, Notice, NoticeSeverity, VisType } from './model';
export { FrameError } from './errors';
export { checkFrame, isCheckedFrame, frameRowCount, type CheckedFrame } from './validate';
export { frameToArrow } from './arrow';
export { frameFromArrow } from './arrow-read';
export { frameToJSON, frameToJSONBytes } from './json';
export { timeSeriesDataJSONBytes } from './series-json';
export { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS, isFrameTimeMs, timesFromMillis } from './time-units';
export { float64JSON } from './number-format';
export {
  field,
  frame,
  timeField,
  numberField,
  stringField,
  boolField,
  jsonField,
  enumField,
  timeValues,
  type FieldOptions,
} from './builders';
