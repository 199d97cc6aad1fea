/** MQTT.js client options from validated settings and secure values (the one place secrets are read). */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { IClientOptions } from 'mqtt';
import type { MqttSecureKey, MqttSettings } from '../../../../src/shared/mqtt';

export type MqttSecureValues = Partial<Record<MqttSecureKey, string>>;

/**
 * `tributary-<hostname>-<pid>-<random>`: unique per connection, so two datasources, two Grafanas or a
 * sidecar and its replacement never take over each other's session (a broker drops the older client
 * when a second one connects with the same id).
 */
export function defaultClientId(): string {
  const host = hostname().replace(/[^A-Za-z0-9-]/g, '').slice(0, 20) || 'host';
  return `tributary-${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function mqttClientOptions(settings: MqttSettings, secure: MqttSecureValues, clientId: string): IClientOptions {
  const options: IClientOptions = {
    clientId,
    protocolVersion: 4,
    clean: true,
    keepalive: settings.keepaliveSeconds,
    connectTimeout: settings.connectTimeoutMs,
    // Reconnecting, resubscribing and queueing are ours (MqttConnection): MQTT.js does none of them.
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
    rejectUnauthorized: !settings.tlsSkipVerify,
  };
  if (settings.username) options.username = settings.username;
  if (secure.password) options.password = secure.password;
  if (secure.tlsCACert) options.ca = secure.tlsCACert;
  if (secure.tlsClientCert) options.cert = secure.tlsClientCert;
  if (secure.tlsClientKey) options.key = secure.tlsClientKey;
  return options;
}
