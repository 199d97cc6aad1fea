/**
 * Where the gRPC server listens: parsing `--listen` addresses, preparing unix socket paths (stale
 * socket removal, refusing to clobber other files), binding grpc-js and setting socket permissions.
 */
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StartupError, type Network } from './handshake';

export type ListenAddress = { network: 'unix'; path: string } | { network: 'tcp'; host: string; port: number };

/** Longest unix socket path Linux/macOS accept (sun_path minus the terminating NUL, macOS is 103). */
const MAX_SOCKET_PATH = process.platform === 'darwin' ? 103 : 107;

/** Parses `unix:/abs/path.sock` or `tcp:HOST:PORT` (`tcp:[::1]:PORT` for IPv6). */
export function parseListenAddress(value: string): ListenAddress {
  const text = value.trim();
  if (text.startsWith('unix:')) {
    const socketPath = text.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (!socketPath) throw new StartupError(`--listen ${value}: the unix socket path is empty`);
    return { network: 'unix', path: path.resolve(socketPath) };
  }
  if (text.startsWith('tcp:')) {
    const hostPort = text.slice('tcp:'.length);
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(hostPort);
    if (!match) throw new StartupError(`--listen ${value}: expected tcp:HOST:PORT, e.g. tcp:0.0.0.0:50051`);
    const port = Number(match[2]);
    if (port > 65535) throw new StartupError(`--listen ${value}: port ${port} is out of range`);
    return { network: 'tcp', host: match[1].replace(/^\[|\]$/g, ''), port };
  }
  throw new StartupError(`--listen ${value}: expected unix:/path/to.sock or tcp:HOST:PORT`);
}

/** A fresh socket path for managed mode, like go-plugin's `plugin<random>` in the temp dir. */
export function managedSocketPath(socketDir: string | undefined): string {
  const dir = socketDir && socketDir.trim() ? socketDir : os.tmpdir();
  return path.join(path.resolve(dir), `plugin${randomBytes(6).toString('hex')}`);
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Makes `socketPath` bindable: a leftover socket from a previous run is removed, but a socket some
 * live server still answers on, or any file that is not a socket, is refused with a clear error.
 */
export async function prepareSocketPath(socketPath: string): Promise<{ removedStale: boolean }> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new StartupError(
      `unix socket path ${socketPath} is ${Buffer.byteLength(socketPath)} bytes; the OS allows at most ${MAX_SOCKET_PATH}`,
    );
  }
  mkdirSync(path.dirname(socketPath), { recursive: true });
  let stat;
  try {
    stat = lstatSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removedStale: false };
    throw err;
  }
  if (!stat.isSocket()) {
    throw new StartupError(
      `${socketPath} exists and is not a unix socket; refusing to replace it (remove it or choose another --listen path)`,
    );
  }
  if (await socketAnswers(socketPath)) {
    throw new StartupError(`${socketPath} is in use by a running server; stop it or choose another --listen path`);
  }
  unlinkSync(socketPath);
  return { removedStale: true };
}

export function removeSocket(socketPath: string): void {
  try {
    unlinkSync(socketPath);
  } catch {
    // already gone
  }
}

/**
 * Sidecar sockets must be usable by Grafana's container user (uid 472, gid 0). The default 0660 lets
 * the socket's owner and group connect (in compose the sidecar runs as 472:0 itself); with a group
 * given, that group owns the socket. 0666 lets any local user connect, for a sidecar that runs as
 * another user than Grafana with no shared group (the `npm run dev` host sidecar).
 */
export function applySocketPermissions(socketPath: string, mode: number, group?: number): void {
  if (group !== undefined) chownSync(socketPath, -1, group);
  chmodSync(socketPath, mode);
}

/** grpc-js target for an address. */
export function grpcTarget(address: ListenAddress): string {
  if (address.network === 'unix') return `unix:${address.path}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** Binds the server; resolves with the address to announce (the real port for tcp port 0). */
export function bind(server: grpc.Server, address: ListenAddress): Promise<{ network: Network; address: string }> {
  return new Promise((resolve, reject) => {
    server.bindAsync(grpcTarget(address), grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(new StartupError(`cannot listen on ${describeAddress(address)}: ${err.message}`));
        return;
      }
      if (address.network === 'unix') resolve({ network: 'unix', address: address.path });
      else {
        const host = address.host.includes(':') ? `[${address.host}]` : address.host;
        resolve({ network: 'tcp', address: `${host}:${port}` });
      }
    });
  });
}

export function describeAddress(address: ListenAddress): string {
  return address.network === 'unix' ? `unix:${address.path}` : `tcp:${grpcTarget(address)}`;
}
