/**
 * Payload mapping for message sources (MQTT; WebSocket, SSE and HTTP polling reuse it): raw messages
 * → Grafana frames, for QueryData (`mapHistory`) and for a live channel (`SeriesStreamMapper`).
 * Rules and limits: docs/sources.md "Payload mapping".
 */
export { compileMapping, MappingError, type CompiledMapping, type CompileOptions } from './compile';
export { mapHistory, type HistoryResult, type MapOptions } from './history';
export { SeriesStreamMapper, type StreamMapperOptions, type StreamMapperStats, type StreamPacket } from './stream';
export { REJECT_REASONS, type RejectReason } from './decode';
export { parsePath, formatPath, PathError, type PathSegment } from './path';
export { compileTopicPattern, TopicPatternError, type TopicPattern } from './topicPattern';
export { renderAlias, defaultAlias } from './alias';
export { parseTime, EPOCH_CUTOFFS, type Instant } from './time';
