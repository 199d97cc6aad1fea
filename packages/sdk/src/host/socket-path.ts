/**
 * Owning a unix socket path, so that a process only ever removes the socket it created.
 *
 * The server binds a private name in the socket's directory; the public path is then made a hard link
 * to that socket and the private name removed. This gives three guarantees Node's plain `listen(path)`
 * does not:
 * - Claiming the path is atomic (`link` fails when anything is there), so two servers started at
 *   once never both own it: the loser finds the winner answering and stops with a clear error.
 * - Node unlinks the name it bound when it closes a listening socket. That name is the private one,
 *   so closing never deletes a socket another process has since put at the public path.
 * - The public path is removed only while it still is this process's socket (same device and inode).
 *
 * A stale socket (nobody answers) is moved aside with an atomic rename and deleted only if it is the
 * very socket that was found not answering; anything else is put back. No library offers this, hence
 * hand-written.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StartupError } from './handshake';

/** Longest unix socket path Linux/macOS accept (sun_path minus the terminating NUL, macOS is 103). */
export const MAX_SOCKET_PATH = process.platform === 'darwin' ? 103 : 107;

/** How long the probe of an existing socket waits for an answer before refusing to touch it. */
const PROBE_TIMEOUT_MS = 2_000;

/** How often claiming retries when the path keeps changing under it (other servers starting). */
const CLAIM_ATTEMPTS = 3;

export interface SocketIdentity {
  dev: bigint;
  ino: bigint;
}

type PathState = { kind: 'none' } | { kind: 'socket'; identity: SocketIdentity } | { kind: 'other' };

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException)?.code;
const reasonOf = (err: unknown): string => (err as Error)?.message ?? String(err);

function stateOf(socketPath: string): PathState {
  try {
    const stat = lstatSync(socketPath, { bigint: true });
    return stat.isSocket() ? { kind: 'socket', identity: { dev: stat.dev, ino: stat.ino } } : { kind: 'other' };
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { kind: 'none' };
    throw new StartupError(`cannot inspect ${socketPath}: ${reasonOf(err)}`);
  }
}

function sameSocket(a: SocketIdentity, b: SocketIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Checks the path fits the OS limit and its directory exists (creating it). */
export function preparePublicPath(socketPath: string): void {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new StartupError(
      `unix socket path ${socketPath} is ${Buffer.byteLength(socketPath)} bytes; the OS allows at most ${MAX_SOCKET_PATH}`,
    );
  }
  try {
    mkdirSync(path.dirname(socketPath), { recursive: true });
  } catch (err) {
    throw new StartupError(`cannot create the socket directory ${path.dirname(socketPath)}: ${reasonOf(err)}`);
  }
}

/** A fresh hidden name in the same directory (hard links and renames need the same file system). */
export function privateSocketPath(socketPath: string): string {
  const dir = path.dirname(socketPath);
  const room = MAX_SOCKET_PATH - Buffer.byteLength(dir) - 2; // "/" and "."
  const hexDigits = Math.min(12, room);
  if (hexDigits < 4) {
    throw new StartupError(`the directory of ${socketPath} is too long for a unix socket: keep it under ${MAX_SOCKET_PATH - 6} bytes`);
  }
  return path.join(dir, `.${randomBytes(6).toString('hex').slice(0, hexDigits)}`);
}

/** 'answers', 'refused' (nothing listens: stale) or a reason it cannot be told. */
function probe(socketPath: string): Promise<'answers' | 'refused' | string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`it did not answer within ${PROBE_TIMEOUT_MS} ms`);
    }, PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('answers');
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      const code = errnoOf(err);
      resolve(code === 'ECONNREFUSED' || code === 'ENOENT' ? 'refused' : `connecting to it failed (${code ?? reasonOf(err)})`);
    });
  });
}

/**
 * Removes the stale socket `stale` from `socketPath`: moves whatever is there aside atomically, then
 * deletes it only if it is that socket. Another server's socket that took its place is put back.
 */
function removeStale(socketPath: string, stale: SocketIdentity): void {
  const aside = privateSocketPath(socketPath);
  try {
    renameSync(socketPath, aside);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return; // someone else removed it first
    throw new StartupError(`cannot remove the stale socket ${socketPath}: ${reasonOf(err)}`);
  }
  const moved = stateOf(aside);
  if (moved.kind === 'socket' && sameSocket(moved.identity, stale)) {
    removeQuietly(aside);
    return;
  }
  try {
    linkSync(aside, socketPath);
  } catch {
    // A third server claimed the path in the meantime: it answers there, and the moved file is not ours to keep.
  }
  removeQuietly(aside);
}

export interface ClaimedSocket {
  readonly identity: SocketIdentity;
  /** True when a stale socket from an earlier run was removed to make room. */
  readonly removedStale: boolean;
}

/**
 * Makes `socketPath` a name of the socket bound at `privatePath`, then drops the private name. A
 * stale socket is replaced; a live server's socket or a file that is not a socket is refused with a
 * clear StartupError. The private name is removed on failure too.
 */
export async function claimSocketPath(privatePath: string, socketPath: string): Promise<ClaimedSocket> {
  try {
    const own = stateOf(privatePath);
    if (own.kind !== 'socket') throw new StartupError(`the socket bound at ${privatePath} disappeared before it could be published`);
    let removedStale = false;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        linkSync(privatePath, socketPath);
        return { identity: own.identity, removedStale };
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw new StartupError(`cannot create the socket ${socketPath}: ${reasonOf(err)}`);
      }
      const found = stateOf(socketPath);
      if (found.kind === 'none') continue;
      if (found.kind === 'other') {
        throw new StartupError(
          `${socketPath} exists and is not a unix socket; refusing to replace it (remove it or choose another --listen path)`,
        );
      }
      const answer = await probe(socketPath);
      if (answer === 'answers') {
        throw new StartupError(`${socketPath} is in use by a running server; stop it or choose another --listen path`);
      }
      if (answer !== 'refused') {
        throw new StartupError(`${socketPath} exists and ${answer}; refusing to replace it (remove it or choose another --listen path)`);
      }
      removeStale(socketPath, found.identity);
      removedStale = true;
    }
    throw new StartupError(`${socketPath} kept changing while this server tried to claim it; is another server starting on it?`);
  } finally {
    removeQuietly(privatePath);
  }
}

/**
 * Removes `socketPath` if it still is the socket this process claimed. Returns what it found:
 * 'removed', 'gone' (nothing there) or 'replaced' (another process's file, left alone).
 */
export function releaseSocketPath(socketPath: string, identity: SocketIdentity): 'removed' | 'gone' | 'replaced' {
  let found: PathState;
  try {
    found = stateOf(socketPath);
  } catch {
    return 'gone';
  }
  if (found.kind === 'none') return 'gone';
  if (found.kind !== 'socket' || !sameSocket(found.identity, identity)) return 'replaced';
  try {
    unlinkSync(socketPath);
    return 'removed';
  } catch {
    return 'gone';
  }
}
