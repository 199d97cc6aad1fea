/**
 * Where the plugin executable finds a Tributary sidecar, in the same order and with the same messages
 * as the POSIX launcher (backend/launcher/gpx_tributary.sh), which stays the launcher for darwin:
 *   GF_PLUGIN_SIDECAR_ADDRESS   set by Grafana from `[plugin.tributary-streaming-datasource] sidecar_address`
 *   TRIBUTARY_SIDECAR_ADDRESS   for running by hand / tests (Grafana >= 12.4 does not forward its env)
 *   the default socket          TRIBUTARY_DEFAULT_SOCKET, else /run/tributary/plugin.sock
 * No sidecar found means managed mode: the executable serves the plugin itself.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_SOCKET = '/run/tributary/plugin.sock';
/** Grafana gives up on a handshake after 60 s and never retries the first start: stay well inside. */
export const MAX_WAIT_SECONDS = 30;
const POLL_MS = 200;

export type SidecarNetwork = 'unix' | 'tcp';

export type BackendChoice =
  | { mode: 'sidecar'; network: SidecarNetwork; address: string; source: string }
  | { mode: 'managed' };

/** A configuration the user must fix; the message is the one line the launcher logs before exiting. */
export class SidecarLookupError extends Error {}

export interface LookupLog {
  info(message: string): void;
  warn(message: string): void;
}

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isWholeNumber(value: string): boolean {
  return /^[0-9]+$/.test(value);
}

function isSocket(file: string): boolean {
  try {
    return statSync(file).isSocket();
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** How long to wait for a unix socket to appear: the ini key's env name first, then ours, capped. */
export function waitSeconds(env: Env, log: LookupLog): number {
  const value = nonEmpty(env.GF_PLUGIN_SIDECAR_WAIT_SECONDS) ?? nonEmpty(env.TRIBUTARY_SIDECAR_WAIT_SECONDS);
  if (value === undefined) return MAX_WAIT_SECONDS;
  if (!isWholeNumber(value)) {
    log.warn(`ignoring sidecar wait '${value}' (not a whole number of seconds); using ${MAX_WAIT_SECONDS}`);
    return MAX_WAIT_SECONDS;
  }
  return Math.min(Number(value), MAX_WAIT_SECONDS);
}

/** Waits until `socket` is a unix socket, at most `seconds`; false on timeout. */
async function waitForSocket(socket: string, seconds: number, log: LookupLog): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  let announced = false;
  while (!isSocket(socket)) {
    if (Date.now() >= deadline) return false;
    if (!announced) {
      log.info(`waiting up to ${seconds} s for the sidecar socket ${socket}`);
      announced = true;
    }
    await sleep(POLL_MS);
  }
  return true;
}

async function useAddress(address: string, source: string, env: Env, log: LookupLog): Promise<BackendChoice> {
  if (address.startsWith('unix:/')) {
    const socket = address.slice('unix:'.length);
    if (/[| ]/.test(socket)) throw new SidecarLookupError(`sidecar address from ${source} has '|' or a space in its path: ${address}`);
    const limit = waitSeconds(env, log);
    if (!(await waitForSocket(socket, limit, log))) {
      throw new SidecarLookupError(
        `sidecar socket ${socket} (from ${source}) did not appear within ${limit} s; is the Tributary backend running and is its socket directory shared with Grafana?`,
      );
    }
    return { mode: 'sidecar', network: 'unix', address: socket, source };
  }
  if (address.startsWith('unix:')) {
    throw new SidecarLookupError(
      `sidecar address from ${source} must be an absolute socket path, e.g. unix:/run/tributary/plugin.sock; got: ${address}`,
    );
  }
  if (address.startsWith('tcp:')) {
    const hostPort = address.slice('tcp:'.length);
    const colon = hostPort.lastIndexOf(':');
    const host = colon === -1 ? '' : hostPort.slice(0, colon);
    const port = colon === -1 ? '' : hostPort.slice(colon + 1);
    if (host === '' || !isWholeNumber(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new SidecarLookupError(`sidecar address from ${source} must look like tcp:HOST:PORT with a port in 1..65535; got: ${address}`);
    }
    if (/[| /]/.test(host)) throw new SidecarLookupError(`sidecar address from ${source} has an invalid host: ${address}`);
    // go-plugin resolves HOST once, when it reads the handshake; a name that does not resolve yet fails the start.
    return { mode: 'sidecar', network: 'tcp', address: hostPort, source };
  }
  throw new SidecarLookupError(`sidecar address from ${source} must start with unix: or tcp:; got: ${address}`);
}

/** Decides between pointing Grafana at a sidecar and serving in managed mode. */
export async function chooseBackend(env: Env, log: LookupLog): Promise<BackendChoice> {
  const fromIni = nonEmpty(env.GF_PLUGIN_SIDECAR_ADDRESS);
  if (fromIni) return useAddress(fromIni, 'GF_PLUGIN_SIDECAR_ADDRESS', env, log);
  const fromEnv = nonEmpty(env.TRIBUTARY_SIDECAR_ADDRESS);
  if (fromEnv) return useAddress(fromEnv, 'TRIBUTARY_SIDECAR_ADDRESS', env, log);

  const socket = nonEmpty(env.TRIBUTARY_DEFAULT_SOCKET) ?? DEFAULT_SOCKET;
  const atDefault: BackendChoice = { mode: 'sidecar', network: 'unix', address: socket, source: 'default socket' };
  if (isSocket(socket)) return atDefault;
  if (isDirectory(path.dirname(socket))) {
    // The shared socket directory exists (docker compose mounts it) but the sidecar has not bound yet,
    // e.g. Grafana restarted while the backend container restarts: wait for it rather than guess.
    const limit = waitSeconds(env, log);
    if (await waitForSocket(socket, limit, log)) return atDefault;
    log.warn(`no socket at ${socket} after ${limit} s although its directory exists; trying managed mode`);
  }
  return { mode: 'managed' };
}

/** The go-plugin handshake line that sends Grafana to the sidecar (core 1, plugin protocol 2, gRPC). */
export function sidecarHandshake(choice: { network: SidecarNetwork; address: string }): string {
  return `1|2|${choice.network}|${choice.address}|grpc\n`;
}

/** Tributary speaks plugin protocol 2; a Grafana that offers no 2 will refuse the handshake. */
export function offersProtocolTwo(env: Env): boolean {
  return (nonEmpty(env.PLUGIN_PROTOCOL_VERSIONS) ?? '2').split(',').includes('2');
}
