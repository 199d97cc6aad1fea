/**
 * Keeps one long-lived connection (a WebSocket, an SSE response) up: starts an attempt, and when it
 * fails or ends, starts the next after a capped, jittered backoff (stretched to the delay the server
 * asked for, within the cap). Each attempt reports through its own handle, so late events of an old attempt are ignored.
 */
import { backoffDelayMs, type BackoffPolicy } from './backoff';
import type { StatusTracker } from './statusTracker';

export interface Attempt {
  /** The attempt is up (handshake done, response accepted). */
  connected(): void;
  /**
   * The attempt failed or the connection ended (acts once per attempt). `retryAfterMs`: the delay the
   * server asked for (SSE `retry:`): the wait is at least that (and at least the backoff), never above the cap.
   */
  ended(error: string | undefined, retryAfterMs?: number): void;
}

/** Starts an attempt; returns how to stop it (called when it ended or the loop closes). */
export type StartAttempt = (attempt: Attempt) => () => void;

export class ReconnectLoop {
  private failuresInARow = 0;
  private attempts = 0;
  private lastError?: string;
  private stopCurrent?: () => void;
  private currentId = 0;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly status: StatusTracker,
    private readonly policy: BackoffPolicy,
    private readonly start: StartAttempt,
  ) {
    this.next();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.currentId++;
    this.stopCurrent?.();
    this.stopCurrent = undefined;
    this.status.closed();
  }

  private next(): void {
    if (this.closed) return;
    const id = ++this.currentId;
    this.attempts++;
    this.status.connecting(this.attempts, this.lastError);
    let done = false;
    const attempt: Attempt = {
      connected: () => {
        if (id !== this.currentId || done) return;
        this.failuresInARow = 0;
        this.attempts = 0;
        this.lastError = undefined;
        this.status.connected();
      },
      ended: (error, retryAfterMs) => {
        if (id !== this.currentId || done) return;
        done = true;
        this.currentId++;
        const stop = this.stopCurrent;
        this.stopCurrent = undefined;
        stop?.();
        this.failuresInARow++;
        this.lastError = error ?? 'the server closed the connection';
        const backoff = backoffDelayMs(this.failuresInARow, this.policy);
        const retryInMs = retryAfterMs !== undefined ? Math.min(this.policy.maxMs, Math.max(retryAfterMs, backoff)) : backoff;
        this.status.failing(this.lastError, retryInMs);
        this.retryTimer = setTimeout(() => this.next(), retryInMs);
      },
    };
    let stop: () => void;
    try {
      stop = this.start(attempt);
    } catch (error) {
      // A transport that throws synchronously (bad PEM, bad URL) fails like any attempt.
      // Only the code: an error's own text may echo options (headers, keys).
      const code = (error as { code?: unknown } | null)?.code;
      attempt.ended(`could not start the connection${typeof code === 'string' ? ` (${code})` : ''}`);
      return;
    }
    if (done) stop();
    else this.stopCurrent = stop;
  }
}
