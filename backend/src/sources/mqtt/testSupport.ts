/** Helpers for the MQTT tests (not shipped code paths): settings for a test broker, a publisher, polling. */
import mqtt, { type MqttClient } from 'mqtt';
import { DEFAULT_BUFFER_SETTINGS, DEFAULT_MQTT_SETTINGS, type BufferSettings, type MqttSettings } from '../../../../src/shared/mqtt';

export function testSettings(url: string, overrides: Partial<MqttSettings> = {}): MqttSettings {
  return { ...DEFAULT_MQTT_SETTINGS, url, connectTimeoutMs: 3_000, ...overrides };
}

export function testBuffer(overrides: Partial<BufferSettings> = {}): BufferSettings {
  return { ...DEFAULT_BUFFER_SETTINGS, ...overrides };
}

/** A separate MQTT.js client that publishes, connected before it returns. */
export async function publisher(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...options });
}

/** Polls `check` every 10 ms until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
