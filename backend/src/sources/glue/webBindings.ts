/**
 * The web transports (backend/src/sources/websocket, sse, http-poll) behind the glue's MessageConnection:
 * a query's stream text (`webStreamText`) is read back into the kind's stream spec; everything else
 * (buffer, history, live channels, health) is the glue shared with MQTT.
 */
import type { Logger } from '@tributary/grafana-backend-sdk';
import type { Registry } from 'prom-client';
import type { BufferSettings } from '../../../../src/shared/mqtt';
import type { HttpPollSettings, SseSettings, WebSocketSettings } from '../../../../src/shared/webSources';
import { WEB_URL_SCHEMES, parseWebStreamText, type WebSourceKind, type WebStreamSpec } from '../../../../src/shared/webValidation';
import type { ConnectionState, ProbeResult } from '../contracts';
import { resolveEndpoint, type WebSecureValues } from '../common/endpoint';
import type { StreamSubscription } from '../common/sharedStreams';
import { HttpPollSource, probeHttpPoll } from '../http-poll';
import { sourceMetrics, sourceMetricsFor } from '../metrics';
import { SseSource, probeSse } from '../sse';
import { WebSocketSource, probeWebSocket } from '../websocket';
import type { MessageConnection } from './ports';

type SettingsOf = { websocket: WebSocketSettings; sse: SseSettings; 'http-poll': HttpPollSettings };

export interface WebBindingInput<K extends WebSourceKind> {
  kind: K;
  uid: string;
  settings: SettingsOf[K];
  buffer: BufferSettings;
  secrets: WebSecureValues;
  logger: Logger;
  registry: Registry;
}

interface WebTransport {
  subscribe(spec: WebStreamSpec): StreamSubscription;
  state(): ConnectionState | undefined;
  close(): void;
}

/** A stream text this module did not write (a corrupt channel) is refused like a bad query. */
function specOf(stream: string): WebStreamSpec {
  const spec = parseWebStreamText(stream);
  if (spec === undefined) {
    throw new Error(`not a stream of this datasource: ${JSON.stringify(stream.slice(0, 60))}`);
  }
  return spec;
}

export function webConnection<K extends WebSourceKind>(input: WebBindingInput<K>): MessageConnection {
  const metrics = sourceMetricsFor(sourceMetrics(input.registry), input.uid, input.kind);
  const common = { secure: input.secrets, buffer: input.buffer, logger: input.logger, metrics };
  const settings = input.settings;
  let transport: WebTransport;
  let probe: (spec: WebStreamSpec, waitMs: number) => Promise<ProbeResult>;
  switch (input.kind) {
    case 'websocket':
      transport = new WebSocketSource({ ...common, settings: settings as WebSocketSettings });
      probe = (spec, waitMs) => probeWebSocket({ settings: settings as WebSocketSettings, secure: input.secrets, spec, waitMs });
      break;
    case 'sse':
      transport = new SseSource({ ...common, settings: settings as SseSettings });
      probe = (spec, waitMs) => probeSse({ settings: settings as SseSettings, secure: input.secrets, spec, waitMs });
      break;
    default:
      transport = new HttpPollSource({ ...common, settings: settings as HttpPollSettings });
      probe = (spec, waitMs) => probeHttpPoll({ settings: settings as HttpPollSettings, secure: input.secrets, spec, waitMs });
  }
  const display = (spec: WebStreamSpec) => {
    try {
      return resolveEndpoint(settings, input.secrets, spec.path, WEB_URL_SCHEMES[input.kind]).display;
    } catch {
      return `${settings.url} + ${JSON.stringify(spec.path ?? '')}`;
    }
  };
  return {
    endpoint: display({}),
    subscribe: (stream) => transport.subscribe(specOf(stream)),
    state: () => transport.state(),
    // Save & test probes the most recent query's stream, else the settings URL with the settings' defaults.
    probe: (streams, waitMs) => probe(streams.length > 0 ? specOf(streams[0]) : {}, waitMs),
    // One stream is one series (its messages all carry the stream's path as topic).
    seriesFilter: () => 'stream',
    describeStream: (stream) => {
      const spec = parseWebStreamText(stream) ?? {};
      const extras = [
        'connectMessage' in spec && spec.connectMessage !== undefined ? 'with its connect message' : '',
        'events' in spec && spec.events !== undefined ? `events ${spec.events.join(', ')}` : '',
        'method' in spec && spec.method !== undefined ? spec.method : '',
        'body' in spec && spec.body !== undefined ? 'with its body' : '',
      ].filter((text) => text !== '');
      return extras.length > 0 ? `${display(spec)} (${extras.join('; ')})` : display(spec);
    },
    close: () => transport.close(),
  };
}
