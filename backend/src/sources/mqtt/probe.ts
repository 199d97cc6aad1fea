/**
 * Save & test for an MQTT datasource: connect once with the settings (no retry), subscribe to the
 * test topic, wait for the first message, and say exactly what happened in one line.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { ProbeResult } from '../contracts';
import type { MqttSettings } from '../../../../src/shared/mqtt';
import { defaultClientId, mqttClientOptions, type MqttSecureValues } from './clientOptions';
import { describeConnectError, describeSubackError, displayUrl, subackRefusalCode } from './errors';
import { topicFilterProblem } from './topics';

export interface ProbeOptions {
  settings: MqttSettings;
  secure: MqttSecureValues;
  /** Topic filter to subscribe to; empty: connect only. */
  topic?: string;
  /** How long to wait for the first message, ms. */
  waitMs?: number;
}

export const DEFAULT_PROBE_WAIT_MS = 5_000;
/** Longest sample payload shown, characters. */
export const PROBE_SAMPLE_CHARS = 1_024;

export async function probeMqtt(options: ProbeOptions): Promise<ProbeResult> {
  const { settings, secure } = options;
  const url = displayUrl(settings.url);
  const waitMs = options.waitMs ?? DEFAULT_PROBE_WAIT_MS;
  const topic = options.topic?.trim() || undefined;
  if (topic) {
    const problem = topicFilterProblem(topic);
    if (problem) return { ok: false, message: `Invalid test topic: ${problem}` };
  }
  // Its own client id: reusing the datasource's would kick its live connection off the broker.
  const clientId = `${settings.clientId || defaultClientId()}-probe`;
  const started = Date.now();
  let client: MqttClient;
  try {
    client = mqtt.connect(settings.url, mqttClientOptions(settings, secure, clientId));
  } catch (error) {
    return { ok: false, message: `Could not connect to ${url}: ${describeConnectError(error, settings.url, settings.connectTimeoutMs)}` };
  }
  // After the outcome is known, later errors of this client are expected and ignored.
  client.on('error', () => {});
  try {
    const connected = await untilConnected(client);
    if (connected !== true) {
      return { ok: false, message: `Could not connect to ${url}: ${describeConnectError(connected, settings.url, settings.connectTimeoutMs)}` };
    }
    const connectMs = Date.now() - started;
    if (!topic) {
      return { ok: true, message: `Connected to ${url} in ${connectMs} ms. Set a test topic to also check a subscription.` };
    }
    const refused = await subscribeOnce(client, topic, settings.qos);
    if (refused) return { ok: false, message: `Connected to ${url}, but ${refused}` };
    const subscribedAt = Date.now();
    const first = await firstMessage(client, waitMs);
    if (first === 'closed') {
      return { ok: false, message: `Connected to ${url} and subscribed to "${topic}", then the broker closed the connection` };
    }
    if (!first) {
      return { ok: true, message: `Connected to ${url}, but no message on "${topic}" within ${formatSeconds(waitMs)}` };
    }
    return {
      ok: true,
      message: `Connected to ${url}; received a message on "${first.topic}" after ${first.receivedAtMs - subscribedAt} ms`,
      sample: { topic: first.topic, payload: payloadSample(first.payload), receivedAtMs: first.receivedAtMs },
    };
  } finally {
    client.end(true);
  }
}

/** true once connected, or the error (a close with no error gives a generic one). */
function untilConnected(client: MqttClient): Promise<true | unknown> {
  return new Promise((resolve) => {
    client.once('connect', () => resolve(true));
    client.once('error', (error) => resolve(error));
    client.once('close', () => resolve(new Error('closed before CONNACK')));
  });
}

/** undefined when subscribed, else why not (user words). */
function subscribeOnce(client: MqttClient, topic: string, qos: 0 | 1 | 2): Promise<string | undefined> {
  return new Promise((resolve) => {
    client.subscribe(topic, { qos }, (error, granted) => {
      const code = subackRefusalCode(error, granted);
      if (code !== undefined) resolve(describeSubackError(topic, code));
      else if (error) resolve(`subscribing to "${topic}" failed: the connection closed`);
      else resolve(undefined);
    });
  });
}

function firstMessage(client: MqttClient, waitMs: number): Promise<{ topic: string; payload: Buffer; receivedAtMs: number } | 'closed' | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    client.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, payload, receivedAtMs: Date.now() });
    });
    client.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

/** The payload as text, clipped; binary payloads as a hex preview. */
export function payloadSample(payload: Buffer): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    return text.length > PROBE_SAMPLE_CHARS ? `${text.slice(0, PROBE_SAMPLE_CHARS)}… (${payload.length} bytes)` : text;
  } catch {
    const preview = payload.subarray(0, 64).toString('hex');
    return `(binary, ${payload.length} bytes) ${preview}${payload.length > 64 ? '…' : ''}`;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
