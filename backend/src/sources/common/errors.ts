/**
 * Network errors of the web sources in user words, built from Node's error codes, the host and the
 * port only: never from an error's own text, which may echo options (headers, keys), so no secret can
 * reach a state, a message or a log line.
 */

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** An error whose message is already in user words and free of secrets (ours). */
export class SourceError extends Error {
  readonly userMessage = true;
}

/** One line for the user: why talking to `url` failed. */
export function describeNetworkError(error: unknown, url: URL): string {
  if (error instanceof SourceError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  const where = url.host;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return `host not found: ${url.hostname} (DNS lookup failed)`;
    case 'EAI_AGAIN':
      return `host not found: ${url.hostname} (DNS lookup failed temporarily)`;
    case 'ECONNREFUSED':
      return `connection refused by ${where} (is the server running and listening on that port?)`;
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection to ${where} was reset (the server closed it)`;
    case 'EPIPE':
      return `the connection to ${where} was closed while sending`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable from this host (no route)`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: hostname mismatch: the server's certificate is not valid for ${url.hostname}`;
    case 'CERT_HAS_EXPIRED':
      return "TLS: the server's certificate has expired";
    case 'CERT_NOT_YET_VALID':
      return "TLS: the server's certificate is not valid yet (check the clocks)";
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return 'TLS: the server requires a client certificate (set the client certificate and key)';
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return 'TLS: the server rejected the client certificate (not signed by a CA it trusts)';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `TLS: ${where} does not speak TLS on this port`;
    case 'ERR_OSSL_PEM_NO_START_LINE':
    case 'ERR_OSSL_X509_NO_CERTIFICATE_OR_CRL_FOUND':
      return 'TLS: a certificate or key in the settings is not valid PEM';
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return 'TLS: the client key does not match the client certificate';
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return 'message size limit exceeded';
  }
  if (typeof code === 'string' && TLS_UNTRUSTED.has(code)) {
    return `TLS: the server's certificate is not trusted (${code}): set the CA certificate that signed it`;
  }
  if (typeof code === 'string' && code.startsWith('ERR_SSL_')) return `TLS handshake failed (${code})`;
  if (typeof code === 'string' && code.startsWith('ERR_OSSL_')) return `TLS settings rejected (${code})`;
  if (typeof code === 'string' && /^(E[A-Z]+|WS_ERR_[A-Z_]+)$/.test(code)) return `connection to ${where} failed (${code})`;
  return `connection to ${where} failed`;
}

/** `HTTP 401 Unauthorized`, with a short, redacted excerpt of the answer when there is one. */
export function describeHttpStatus(status: number, statusText: string | undefined, excerpt?: string): string {
  const head = `the server answered HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const body = excerpt?.replace(/\s+/g, ' ').trim();
  return body ? `${head}: ${body.length > 200 ? `${body.slice(0, 200)}…` : body}` : head;
}
