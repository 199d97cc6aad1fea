/** Test helpers: raw messages, and a field by name from a Grafana frame. */
import type { DataFrame } from '@grafana/data';
import type { RawMessage } from '../contracts';

export { asGrafana, dataFrameToJSON, StreamingDataFrame, type GrafanaStreamingFrame } from '../../../test/helpers/grafanaFrames';

export const T0 = Date.UTC(2026, 0, 2, 3, 4, 5); // 2026-01-02T03:04:05Z

let nextSeq = 1;
/** A message; `payload` objects are JSON-encoded, strings sent as UTF-8, Buffers as given. */
export function msg(topic: string, payload: unknown, receivedAtMs = T0, seq = nextSeq++): RawMessage {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { topic, payload: bytes, receivedAtMs, seq };
}

export const fieldByName = (df: DataFrame, name: string) => {
  const f = df.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} in ${df.fields.map((x) => x.name).join(', ')}`);
  return f;
};
