/** MQTT.js client options from validated settings and secure values (the one place secrets are read). */
import { hostname } from 'node:os';
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
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

/** A setting that can never work (checked before connecting); its message is for the user as is. */
export class MqttSettingsError extends Error {}

/**
 * Checks the PEM texts: Node silently ignores a CA that is not PEM (the broker then looks untrusted)
 * and names a bad key only by an OpenSSL code, so each is parsed here to say which one is wrong.
 * Messages never include the values.
 */
export function checkTlsSecrets(secure: MqttSecureValues): void {
  if (secure.tlsCACert) certificate(secure.tlsCACert, 'the CA certificate');
  const cert = secure.tlsClientCert ? certificate(secure.tlsClientCert, 'the client certificate') : undefined;
  let key: KeyObject | undefined;
  if (secure.tlsClientKey) {
    try {
      key = createPrivateKey(secure.tlsClientKey);
    } catch {
      throw new MqttSettingsError('TLS: the client key is not a valid PEM private key (an encrypted key is not supported)');
    }
  }
  if (cert && !key) throw new MqttSettingsError('TLS: a client certificate needs its client key');
  if (key && !cert) throw new MqttSettingsError('TLS: a client key needs its client certificate');
  if (cert && key && !cert.checkPrivateKey(key)) throw new MqttSettingsError('TLS: the client key does not match the client certificate');
}

function certificate(pem: string, what: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new MqttSettingsError(`TLS: ${what} is not a PEM certificate (-----BEGIN CERTIFICATE----- …)`);
  try {
    return new X509Certificate(pem);
  } catch {
    throw new MqttSettingsError(`TLS: ${what} is not a valid PEM certificate`);
  }
}

/** Throws MqttSettingsError for TLS secrets that cannot work. */
export function mqttClientOptions(settings: MqttSettings, secure: MqttSecureValues, clientId: string): IClientOptions {
  checkTlsSecrets(secure);
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
