/**
 * Where the gRPC server listens: parsing `--listen` addresses, binding grpc-js (unix socket paths are
 * owned through socket-path.ts) and setting socket permissions.
 */
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StartupError, type Network } from './handshake';
import { claimSocketPath, preparePublicPath, privateSocketPath, type SocketIdentity } from './socket-path';

export type ListenAddress = { network: 'unix'; path: string } | { network: 'tcp'; host: string; port: number };

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
    if (!match) throw new StartupError(`--listen ${value}: expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:50051`);
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

/**
 * Sidecar sockets must be usable by Grafana's container user (uid 472, gid 0). The default 0660 lets
 * the socket's owner and group connect (in compose the sidecar runs as 472:0 itself); with a group
 * given, that group owns the socket. 0666 lets any local user connect, for a sidecar that runs as
 * another user than Grafana with no shared group (the `npm run dev` host sidecar).
 */
export function applySocketPermissions(socketPath: string, mode: number, group?: number): void {
  try {
    if (group !== undefined) chownSync(socketPath, -1, group);
    chmodSync(socketPath, mode);
  } catch (err) {
    const what = group !== undefined ? `group ${group} and mode 0${mode.toString(8)}` : `mode 0${mode.toString(8)}`;
    throw new StartupError(`cannot give the socket ${what}: ${(err as Error).message}`);
  }
}

/** grpc-js target for an address. */
export function grpcTarget(address: ListenAddress): string {
  if (address.network === 'unix') return `unix:${address.path}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** Binds the server; resolves with the address to announce (the real port for tcp port 0). */
function bind(server: grpc.Server, address: ListenAddress, shownAs: string): Promise<{ network: Network; address: string }> {
  return new Promise((resolve, reject) => {
    server.bindAsync(grpcTarget(address), grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(new StartupError(`cannot listen on ${shownAs}: ${err.message}`));
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

export interface Listening {
  network: Network;
  /** The address to announce: the socket path, or host:port with the real port. */
  address: string;
  /** The unix socket this process created, released at stop only while it is still its own. */
  socket?: { path: string; identity: SocketIdentity };
  removedStale: boolean;
}

/**
 * Binds the server to `address`. A unix socket is bound under a private name, given `permissions`,
 * and only then published at its path (so it is never reachable with the wrong mode), replacing a
 * stale socket but never a live one. Failures are StartupErrors with one clear message.
 */
export async function listen(
  server: grpc.Server,
  address: ListenAddress,
  permissions?: { mode: number; group?: number },
): Promise<Listening> {
  if (address.network === 'tcp') return { ...(await bind(server, address, describeAddress(address))), removedStale: false };
  preparePublicPath(address.path);
  const privatePath = privateSocketPath(address.path);
  await bind(server, { network: 'unix', path: privatePath }, describeAddress(address));
  try {
    if (permissions) applySocketPermissions(privatePath, permissions.mode, permissions.group);
  } catch (err) {
    unlinkSync(privatePath);
    throw err;
  }
  const { identity, removedStale } = await claimSocketPath(privatePath, address.path);
  return { network: 'unix', address: address.path, socket: { path: address.path, identity }, removedStale };
}

export function describeAddress(address: ListenAddress): string {
  return address.network === 'unix' ? `unix:${address.path}` : `tcp:${grpcTarget(address)}`;
}
