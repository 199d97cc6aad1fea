/**
 * Where a datasource's data comes from. One kind per datasource (its settings), chosen in the config
 * editor; the query editor shows the fields of that kind. `signals` is the built-in generator and the
 * default, so datasources saved before source kinds existed keep working.
 */
export const SOURCE_KINDS = ['signals', 'mqtt', 'websocket', 'sse', 'http-poll'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const DEFAULT_SOURCE_KIND: SourceKind = 'signals';

export const SOURCE_KIND_LABELS: Record<SourceKind, string> = {
  signals: 'Signals (built-in generator)',
  mqtt: 'MQTT broker',
  websocket: 'WebSocket',
  sse: 'Server-Sent Events',
  'http-poll': 'HTTP polling (JSON)',
};

export function isSourceKind(value: unknown): value is SourceKind {
  return typeof value === 'string' && (SOURCE_KINDS as readonly string[]).includes(value);
}
