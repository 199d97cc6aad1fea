/**
 * go-plugin start-up rules as Grafana uses them: magic cookie,
 * protocol version negotiation and the single handshake line on stdout.
 */
import { writeSync } from 'node:fs';

export const CORE_PROTOCOL_VERSION = 1;
export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
/** The Grafana plugin protocol versions this SDK speaks. */
export const SUPPORTED_PROTOCOL_VERSIONS = [2];

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Throws a StartupError with a one-line explanation when the process was not started by Grafana. */
export function checkMagicCookie(env: NodeJS.ProcessEnv): void {
  const value = env[MAGIC_COOKIE_KEY];
  if (value === MAGIC_COOKIE_VALUE) return;
  const found = value === undefined ? 'is not set' : `is "${value}"`;
  throw new StartupError(
    `this program is a Grafana backend plugin: Grafana starts it with ${MAGIC_COOKIE_KEY}=${MAGIC_COOKIE_VALUE} ` +
      `(here it ${found}); to run it on its own, start it as a sidecar with --listen unix:/path.sock or --listen tcp:HOST:PORT`,
  );
}

/**
 * Picks the highest version offered in PLUGIN_PROTOCOL_VERSIONS that we support. An unset variable
 * means an old host that did not negotiate: answer with our version, as go-plugin does.
 */
export function negotiateProtocolVersion(offered: string | undefined): number {
  const ours = Math.max(...SUPPORTED_PROTOCOL_VERSIONS);
  if (offered === undefined || offered.trim() === '') return ours;
  const versions = offered
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const numbers = versions.map((v) => Number(v)).filter((n) => Number.isInteger(n));
  const common = numbers.filter((n) => SUPPORTED_PROTOCOL_VERSIONS.includes(n));
  if (common.length === 0) {
    throw new StartupError(
      `Grafana offers plugin protocol version(s) "${offered}" (PLUGIN_PROTOCOL_VERSIONS) but this plugin speaks ` +
        `version ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}; use a Grafana that supports protocol version 2`,
    );
  }
  return Math.max(...common);
}

export type Network = 'unix' | 'tcp';

/** `1|2|unix|/tmp/plugin123|grpc` — five fields, like the Go SDK's locator; no TLS cert (no AutoMTLS). */
export function handshakeLine(version: number, network: Network, address: string): string {
  if (address.includes('|') || address.includes('\n')) {
    throw new StartupError(`listen address ${JSON.stringify(address)} cannot be announced in a handshake line`);
  }
  return `${CORE_PROTOCOL_VERSION}|${version}|${network}|${address}|grpc\n`;
}

/** Writes the handshake synchronously to fd 1, bypassing the stdout guard. */
export function writeHandshake(line: string): void {
  let offset = 0;
  const bytes = Buffer.from(line);
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
  }
}
