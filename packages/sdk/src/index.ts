/**
 * A Grafana backend SDK for Node: serve a datasource over Grafana's plugin protocol with typed handlers.
 * See docs/sdk.md.
 *
 * @module @tributary/grafana-backend-sdk
 */
export * from './types';
export type * from './frames/model';
export { serve, HelpShown, type ServeOptions, type ServedPlugin } from './host/serve';
export { runPlugin } from './host/run-plugin';
export { StartupError, type Network } from './host/handshake';
export type {
  CallIdentity,
  CallResult,
  Endpoint,
  Middleware,
  Next,
  PluginCall,
  QueryAnswer,
  RequestStatus,
} from './middleware/types';
export type { TracingOptions } from './middleware/tracing-setup';
export { HclogLogger, parseLogLevel, type LogLevel, type LoggerOptions, type LineWriter } from './log/logger';
export { redact } from './log/redact';
export { StreamClosedError } from './handlers/stream-sender';
/** The time-range limits QueryData enforces (docs/sdk.md), for plugins that check ranges themselves. */
export { MAX_FRAME_TIME_MS, MIN_FRAME_TIME_MS } from './handlers/time-range';
export { defineFrameTask, runFrameTask, type FrameTask, type FrameTaskRunner } from './workers/frame-task';
export type { EncodedFrame } from './workers/encoded-frame';
export type { WireFormat } from './wire/messages';
export { isEncodedFrame } from './workers/encoded-frame';
