/**
 * A real stream for the browser's live graph: starts the built backend (dist/backend/main.js) as
 * Grafana does, asks QueryData for a streaming query's history (Arrow, decoded and re-encoded as the
 * frame JSON Grafana hands the browser), then runs RunStream on the channel the frame names and
 * hands each packet (frame JSON, as Grafana Live relays it) to `onPacket`.
 */
import * as grpc from '@grpc/grpc-js';
import path from 'node:path';
import type { DataFrameJSON } from '@grafana/data';

import { startManaged, type PluginProcess } from '../../backend/test/helpers/harness';
import { frameFromArrow, frameToJSON } from '@tributary/grafana-backend-sdk/frames';
import { pluginContext, provisionedDatasource } from '../launcher/grafana-calls';
import { clientFor, repoRoot, unary, within, type Handshake } from '../support/goplugin';

export const BUILT_BACKEND = path.join(repoRoot, 'dist', 'backend', 'main.js');

export interface LiveFeed {
  history: DataFrameJSON;
  windowMs: number;
  /** Starts RunStream; every packet goes to `onPacket` until `stop()`. */
  start(onPacket: (packet: DataFrameJSON) => void): void;
  stop(): Promise<void>;
}

export async function openLiveFeed(query: Record<string, unknown>, windowMs: number): Promise<LiveFeed> {
  const { plugin, handshake } = await startManaged(BUILT_BACKEND);
  try {
    const { history, streamPath } = await historyAndChannel(handshake, query, windowMs);
    let call: grpc.ClientReadableStream<{ data: Buffer }> | undefined;
    let client: grpc.Client | undefined;
    return {
      history,
      windowMs,
      start(onPacket) {
        client = clientFor('stream', handshake);
        call = (client as any).RunStream({ pluginContext: pluginContext(), path: streamPath });
        call!.on('data', (packet: { data: Buffer }) => onPacket(JSON.parse(packet.data.toString())));
        call!.on('error', () => undefined); // the cancel in stop() ends it with CANCELLED
      },
      async stop() {
        call?.cancel();
        client?.close();
        await stopPlugin(plugin);
      },
    };
  } catch (err) {
    await stopPlugin(plugin);
    throw err;
  }
}

async function historyAndChannel(handshake: Handshake, query: Record<string, unknown>, windowMs: number) {
  const client = clientFor('data', handshake);
  const now = Date.now();
  try {
    const res = await unary<{ responses: Record<string, { frames: Buffer[]; error: string }> }>(
      client,
      'QueryData',
      {
        pluginContext: pluginContext(),
        queries: [
          {
            refId: 'A',
            maxDataPoints: 1000,
            intervalMS: 1000,
            timeRange: { fromEpochMS: now - windowMs, toEpochMS: now },
            json: Buffer.from(JSON.stringify({ ...query, refId: 'A', withStreaming: true })),
          },
        ],
      },
      within(10_000),
    );
    const answer = res.responses.A;
    if (answer.error || !answer.frames?.length) throw new Error(`QueryData failed: ${answer.error || 'no frames'}`);
    const frame = frameFromArrow(answer.frames[0]);
    const channel = frame.meta?.channel ?? '';
    const prefix = `ds/${provisionedDatasource().uid}/`;
    if (!channel.startsWith(prefix)) throw new Error(`the history frame names no ${prefix} channel (meta.channel ${JSON.stringify(channel)})`);
    return { history: JSON.parse(frameToJSON(frame)) as DataFrameJSON, streamPath: channel.slice(prefix.length) };
  } finally {
    client.close();
  }
}

async function stopPlugin(plugin: PluginProcess): Promise<void> {
  if (plugin.child.exitCode === null && plugin.child.signalCode === null) plugin.child.kill('SIGTERM');
  await plugin.exited;
}
