/**
 * The browser half of a message-source datasource in end-to-end tests: RunStream packets as parsed
 * frame JSON, and a `Panel` that applies them the way Grafana's StreamingDataFrame does (a schema
 * replaces the fields, carrying values over by name; data appends).
 */
import { frameFromArrow, frameToJSON } from '@tributary/grafana-backend-sdk/frames';
import type { Clients } from '../../../tests/support/goplugin';

export interface DataFrameJSON {
  schema?: { fields: Array<{ name: string; type: string }>; meta?: { notices?: Array<{ text: string }> } };
  data?: { values: unknown[][] };
}

export class Panel {
  fields: Array<{ name: string; type: string; values: unknown[] }> = [];

  constructor(history: DataFrameJSON) {
    this.push(history);
  }

  static of(history: DataFrameJSON, packets: DataFrameJSON[]): Panel {
    const panel = new Panel(history);
    packets.forEach((p) => panel.push(p));
    return panel;
  }

  get length(): number {
    return this.fields[0]?.values.length ?? 0;
  }

  push(packet: DataFrameJSON): void {
    if (packet.schema) {
      const length = this.length;
      this.fields = packet.schema.fields.map((f) => ({
        ...f,
        values: this.fields.find((old) => old.name === f.name && old.type === f.type)?.values ?? Array(length).fill(null),
      }));
    }
    const values = packet.data?.values ?? [];
    if (values.length === 0 || values[0].length === 0) return;
    if (values.length !== this.fields.length) throw new Error(`push message mismatch: ${values.length} columns for ${this.fields.length} fields`);
    values.forEach((column, i) => this.fields[i].values.push(...column));
  }

  column(name: RegExp): unknown[] {
    const field = this.fields.find((f) => name.test(f.name));
    if (!field) return []; // not there yet (callers poll with it)
    return field.values;
  }

  firstValues(): unknown[] {
    return this.fields.find((f) => f.type !== 'time')!.values;
  }
}

/** The QueryData frame as the browser gets it (frame JSON), its channel, and its meta. */
export function historyFrame(frames: Buffer[]) {
  const f = frameFromArrow(frames[0]);
  return { json: JSON.parse(frameToJSON(f)) as DataFrameJSON, channel: f.meta?.channel, meta: f.meta };
}

export const notices = (packets: DataFrameJSON[]) => packets.flatMap((p) => (p.schema?.meta?.notices ?? []).map((n) => n.text));

/** A running RunStream: packets as parsed JSON, and a way to wait for a condition on them. */
export function runStream(c: Clients, pluginContext: unknown, streamPath: string, describe: () => string) {
  const call = c.stream.RunStream({ pluginContext, path: streamPath });
  const packets: DataFrameJSON[] = [];
  const waiters: Array<() => void> = [];
  call.on('data', (m: { data: Buffer }) => {
    packets.push(JSON.parse(Buffer.from(m.data).toString()));
    waiters.forEach((w) => w());
  });
  const ended = new Promise<void>((resolve) => call.on('error', () => resolve()).on('end', () => resolve()));
  return {
    packets,
    until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(packets).slice(0, 2000)}; ${describe()}`)), ms);
        const check = () => {
          if (predicate()) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
      });
    },
    async cancel() {
      call.cancel();
      await ended;
    },
  };
}
