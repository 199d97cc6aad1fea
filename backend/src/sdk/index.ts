/**
 * A Grafana backend SDK for Node: serve a datasource over Grafana's plugin protocol with typed handlers.
 * See docs/sdk.md.
 */
export * from './types';
export type * from './frames/model';
export { serve, type ServeOptions, type ServedPlugin } from './host/serve';
export { HclogLogger, type LogLevel } from './log/logger';
export { redact } from './log/redact';
export { StreamClosedError } from './handlers/stream-sender';
export { defineFrameTask, runFrameTask, type FrameTask } from './workers/frame-task';
export type { EncodedFrame } from './workers/encoded-frame';
export { isEncodedFrame } from './workers/encoded-frame';
