export { WebSocketSource, type WebSocketSourceOptions } from './connection';
export { probeWebSocket, type WebSocketProbeOptions } from './probe';
