/**
 * The calls Grafana makes on a Tributary backend once the handshake is done, with the provisioned
 * datasource as the plugin context: QueryData for a panel query, SubscribeStream/RunStream on the
 * channel it returns.
 */
import * as grpc from '@grpc/grpc-js';
import { tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { clientFor, repoRoot, unary, within, type Handshake } from '../support/goplugin';

export const pluginJson = JSON.parse(readFileSync(path.join(repoRoot, 'src', 'plugin.json'), 'utf8'));

export interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
  jsonData?: Record<string, unknown>;
}

export function provisionedDatasource(): ProvisionedDatasource {
  const doc = parse(readFileSync(path.join(repoRoot, 'provisioning', 'datasources', 'tributary.yaml'), 'utf8'));
  return doc.datasources.find((d: ProvisionedDatasource) => d.type === pluginJson.id);
}

export function pluginContext(datasource: ProvisionedDatasource = provisionedDatasource()) {
  return {
    orgId: 1,
    pluginId: pluginJson.id,
    user: { login: 'admin', name: 'admin', email: 'admin@localhost', role: 'Admin' },
    dataSourceInstanceSettings: {
      id: 1,
      uid: datasource.uid,
      name: datasource.name,
      jsonData: Buffer.from(JSON.stringify(datasource.jsonData ?? {})),
      decryptedSecureJsonData: {},
      lastUpdatedMS: 1_700_000_000_000,
    },
    grafanaConfig: {},
  };
}

export interface QueryAnswer {
  refId: string;
  status: number;
  error: string;
  frames: Buffer[];
}

/** QueryData with one query per target (refIds must be unique), over the last 5 minutes. */
export async function queryData(handshake: Handshake, targets: Array<Record<string, unknown>>): Promise<QueryAnswer[]> {
  const client = clientFor('data', handshake);
  const now = Date.now();
  const queries = targets.map((target) => ({
    refId: String(target.refId),
    maxDataPoints: 1000,
    intervalMS: 1000,
    timeRange: { fromEpochMS: now - 5 * 60_000, toEpochMS: now },
    json: Buffer.from(JSON.stringify(target)),
  }));
  try {
    const res = await unary<{ responses: Record<string, Omit<QueryAnswer, 'refId'>> }>(
      client,
      'QueryData',
      { pluginContext: pluginContext(), queries },
      within(10_000),
    );
    return queries.map((q) => ({ refId: q.refId, ...res.responses[q.refId] }));
  } finally {
    client.close();
  }
}

/** The frame meta Grafana reads from the first Arrow frame of an answer. */
export function frameMeta(answer: QueryAnswer): { channel?: string } & Record<string, unknown> {
  return JSON.parse(tableFromIPC(answer.frames[0]).schema.metadata.get('meta') ?? '{}');
}

/** The stream path (channel without `ds/<uid>/`) of a streaming query. */
export async function streamPathFor(handshake: Handshake, target: Record<string, unknown>): Promise<string> {
  const [answer] = await queryData(handshake, [{ ...target, refId: 'A', withStreaming: true }]);
  const channel = frameMeta(answer).channel;
  const prefix = `ds/${provisionedDatasource().uid}/`;
  if (!channel?.startsWith(prefix)) throw new Error(`no ${prefix} channel in the answer: ${JSON.stringify(answer)}`);
  return channel.slice(prefix.length);
}

export async function subscribeStream(handshake: Handshake, streamPath: string): Promise<{ status: string; data: Buffer }> {
  const client = clientFor('stream', handshake);
  try {
    return await unary(client, 'SubscribeStream', { pluginContext: pluginContext(), path: streamPath }, within(10_000));
  } finally {
    client.close();
  }
}

export interface OpenRunStream {
  /** Resolves with the first packet that carries rows. */
  firstRows: Promise<{ data: { values: unknown[][] } }>;
  /** Resolves when the stream ends, with its error (Grafana restarts RunStream on an error). */
  ended: Promise<grpc.ServiceError | null>;
  cancel(): void;
}

export function runStream(handshake: Handshake, streamPath: string): OpenRunStream {
  const client = clientFor('stream', handshake) as grpc.Client;
  const call = (client as any).RunStream({ pluginContext: pluginContext(), path: streamPath }) as grpc.ClientReadableStream<{ data: Buffer }>;
  const firstRows = new Promise<{ data: { values: unknown[][] } }>((resolve, reject) => {
    call.on('data', (packet: { data: Buffer }) => {
      const json = JSON.parse(packet.data.toString());
      if (json.data?.values?.[0]?.length > 0) resolve(json);
    });
    call.on('error', reject);
  });
  firstRows.catch(() => undefined);
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('error', (err: grpc.ServiceError) => resolve(err));
    call.on('end', () => resolve(null));
  });
  ended.then(() => client.close());
  return {
    firstRows,
    ended,
    cancel: () => {
      call.cancel();
      client.close();
    },
  };
}
