export { SseSource, type SseSourceOptions } from './connection';
export { probeSse, type SseProbeOptions } from './probe';
export { SseParser, type SseEvent, type SseParserOptions } from './parser';
