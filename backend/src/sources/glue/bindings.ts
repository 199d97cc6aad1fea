/**
 * The real modules behind the glue's ports: the MQTT transport (backend/src/sources/mqtt) and the
 * payload mapping (backend/src/sources/mapping).
 */
import type { Logger } from '@tributary/grafana-backend-sdk';
import { checkFrame, frame, frameToJSONBytes, type Notice } from '@tributary/grafana-backend-sdk/frames';
import type { Registry } from 'prom-client';
import type { PayloadMapping } from '../../../../src/shared/mapping';
import { DEFAULT_MAPPING } from '../../../../src/shared/mapping';
import type { RawMessage } from '../contracts';
import { compileMapping, mapHistory, MappingError, SeriesStreamMapper } from '../mapping';
import { sourceMetrics, sourceMetricsFor } from '../metrics';
import { MqttConnection, probeMqtt } from '../mqtt';
import type { MqttSettings, BufferSettings } from '../../../../src/shared/mqtt';
import type { MessageConnection, MessageMapper, StreamEncoder } from './ports';

export interface MqttBindingInput {
  uid: string;
  mqtt: MqttSettings;
  buffer: BufferSettings;
  secrets: Record<string, string | undefined>;
  logger: Logger;
  registry: Registry;
}

export function mqttConnection(input: MqttBindingInput): MessageConnection {
  const metrics = sourceMetricsFor(sourceMetrics(input.registry), input.uid, 'mqtt');
  const connection = new MqttConnection({ settings: input.mqtt, secure: input.secrets, buffer: input.buffer, logger: input.logger, metrics });
  return {
    endpoint: `the broker ${input.mqtt.url}`,
    subscribe: (filter) => connection.subscribe(filter),
    seriesFilter: (filter) => filter,
    describeStream: (filter) => filter,
    state: () => connection.state(),
    // One probe subscription: the test topic, or the most recent query's filter.
    probe: (topics, waitMs) => probeMqtt({ settings: input.mqtt, secure: input.secrets, topic: topics[0], waitMs }),
    close: () => connection.close(),
  };
}

/** The query's alias is the mapping's alias unless the mapping names its own. */
function withAlias(mapping: PayloadMapping | undefined, alias: string): PayloadMapping {
  const base = mapping ?? DEFAULT_MAPPING;
  return alias !== '' && !base.alias ? { ...base, alias } : base;
}

export const payloadMapper: MessageMapper = {
  mappingError(mapping) {
    if (mapping === undefined) {
      return undefined;
    }
    try {
      compileMapping(mapping as PayloadMapping);
      return undefined;
    } catch (error) {
      if (error instanceof MappingError) {
        return error.message;
      }
      throw error;
    }
  },

  history(messages, mapping, options) {
    const full = withAlias(mapping, options.alias);
    if (options.streaming) {
      // A stream's history is ONE frame holding every series (Grafana keeps one frame per channel).
      const mapper = new SeriesStreamMapper(full, { refId: options.refId, topicFilter: options.topicFilter });
      return { frames: [mapper.seed(messages)], notices: [] };
    }
    const result = mapHistory(messages, full, { refId: options.refId, topicFilter: options.topicFilter });
    const frames = result.frames.length > 0 ? result.frames : [frame({ refId: options.refId, fields: [] })];
    return { frames, notices: [] };
  },

  streamEncoder(mapping, alias, start) {
    // Seeded with the history this stream continues (its series and columns stay in the schema); the
    // messages after it come from follow(afterSeq), so the mapper needs no seq of its own.
    const mapper = new SeriesStreamMapper(withAlias(mapping, alias), { topicFilter: start.topicFilter });
    mapper.seed(start.history);
    return new MappedStreamEncoder(mapper);
  },
};

/** A data packet without columns: Grafana's StreamingDataFrame ignores it (a packet must be valid JSON). */
const EMPTY_PACKET = Buffer.from('{"data":{"values":[]}}', 'utf8');

/** Packets from the mapping's stream mapper, with source notices (connection, restart) added to the frame meta. */
class MappedStreamEncoder implements StreamEncoder {
  constructor(private readonly mapper: SeriesStreamMapper) {}

  schemaPacket() {
    return this.mapper.schemaPacket();
  }

  encode(messages: RawMessage[], notices: Notice[]) {
    const packet = this.mapper.push(messages);
    if (notices.length === 0) {
      return packet ?? { bytes: EMPTY_PACKET, points: 0 };
    }
    // Rare (connection changes): re-assemble the packet as JSON with the schema and the notices.
    const schema = JSON.parse(Buffer.from(frameToJSONBytes(checkFrame(this.mapper.schemaFrame()), 'schema')).toString('utf8')) as { schema: { meta?: Record<string, unknown> } };
    const rows = packet ? (JSON.parse(Buffer.from(packet.bytes).toString('utf8')) as { data?: unknown }) : {};
    const meta = schema.schema.meta ?? {};
    const existing = Array.isArray(meta.notices) ? (meta.notices as Notice[]) : [];
    schema.schema.meta = { ...meta, notices: [...notices, ...existing] };
    const body = rows.data === undefined ? { schema: schema.schema } : { schema: schema.schema, data: rows.data };
    return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), points: packet?.points ?? 0 };
  }
}
