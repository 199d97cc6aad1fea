/**
 * Connection errors in user words, from Node's error codes and the broker's CONNACK/SUBACK codes.
 * Built only from codes, the host and the port: never from the error's own text where it could echo
 * options, so no secret (password, key) can reach a message or a log line.
 */
import { MqttSettingsError } from './clientOptions';

/** Where we connect, for messages: the URL without any user:password part. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

function hostPort(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return '(invalid URL)';
  }
}

const CONNACK_V4: Record<number, string> = {
  1: 'the broker does not support MQTT 3.1.1 (CONNACK 1: unacceptable protocol version)',
  2: 'the broker rejected the client id (CONNACK 2: identifier rejected)',
  3: 'the broker is unavailable (CONNACK 3: server unavailable)',
  4: 'bad username or password (CONNACK 4)',
  // Mosquitto 2 answers a wrong password with 5, not 4, on MQTT 3.1.1: name both causes.
  5: 'not authorized (CONNACK 5): wrong username or password, or this user or client may not connect',
};

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

interface CodedError {
  code?: unknown;
  message?: unknown;
}

/** One line for the user: why connecting to `url` failed. */
export function describeConnectError(error: unknown, url: string, connectTimeoutMs: number): string {
  if (error instanceof MqttSettingsError) return error.message;
  const { code, message } = (error ?? {}) as CodedError;
  const where = hostPort(url);
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'number' && CONNACK_V4[code]) return `the broker refused the connection: ${CONNACK_V4[code]}`;
  if (text === 'connack timeout') {
    return `timed out after ${connectTimeoutMs} ms connecting to ${where} (no answer from the broker)`;
  }
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return `host not found: ${hostOf(url)} (DNS lookup failed)`;
    case 'EAI_AGAIN':
      return `host not found: ${hostOf(url)} (DNS lookup failed temporarily)`;
    case 'ECONNREFUSED':
      return `connection refused by ${where} (is the broker running and listening on that port?)`;
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}`;
    case 'ECONNRESET':
      return `the connection to ${where} was reset (a TLS or protocol mismatch, or the broker closed it)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable from this host (no route)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: hostname mismatch: the broker's certificate is not valid for ${hostOf(url)}`;
    case 'CERT_HAS_EXPIRED':
      return "TLS: the broker's certificate has expired";
    case 'CERT_NOT_YET_VALID':
      return "TLS: the broker's certificate is not valid yet (check the clocks)";
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return 'TLS: the broker requires a client certificate (set the client certificate and key)';
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return 'TLS: the broker rejected the client certificate (not signed by a CA it trusts)';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS: ${where} does not speak TLS on this port (use mqtt:// or the broker's TLS port)`;
    case 'ERR_OSSL_PEM_NO_START_LINE':
    case 'ERR_OSSL_X509_NO_CERTIFICATE_OR_CRL_FOUND':
      return 'TLS: a certificate or key in the settings is not valid PEM';
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return 'TLS: the client key does not match the client certificate';
  }
  if (typeof code === 'string' && TLS_UNTRUSTED.has(code)) {
    return `TLS: the broker's certificate is not trusted (${code}): set the CA certificate that signed it`;
  }
  if (typeof code === 'string' && code.startsWith('ERR_SSL_') ) return `TLS handshake failed (${code})`;
  if (typeof code === 'string' && code.startsWith('ERR_OSSL_')) return `TLS settings rejected (${code})`;
  if (typeof code === 'string' && code.startsWith('E')) return `connection to ${where} failed (${code})`;
  return `connection to ${where} failed`;
}

/**
 * The SUBACK return code (0x80 and up) when the broker refused a subscription, from MQTT.js's subscribe
 * callback (its error carries the SUBACK packet), else undefined.
 */
export function subackRefusalCode(error: unknown, granted?: { qos: number }[]): number | undefined {
  const fromError = (error as { packet?: { granted?: unknown[] } } | null)?.packet?.granted ?? [];
  const codes = [...(granted ?? []).map((grant) => grant.qos), ...fromError];
  return codes.find((code): code is number => typeof code === 'number' && (code & 0x80) !== 0);
}

/** SUBACK refusal in user words. */
export function describeSubackError(filter: string, code: unknown): string {
  const hex = typeof code === 'number' ? ` (SUBACK 0x${code.toString(16)})` : '';
  return `the broker refused the subscription to "${filter}"${hex}: not authorized for this topic, or the filter is not allowed`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '(invalid URL)';
  }
}
