/**
 * One upstream's ConnectionState, with the log lines that go with its changes: "connected" once per
 * connect, a failure once per distinct error (a server down for an hour logs one line, not one per retry).
 */
import type { Logger } from '@tributary/grafana-backend-sdk';
import type { ConnectionState } from '../contracts';

export class StatusTracker {
  private current: ConnectionState = { state: 'connecting', since: Date.now(), attempt: 1 };
  private lastLoggedError?: string;
  private everConnected = false;

  constructor(
    private readonly what: string,
    private readonly logger: Logger | undefined,
    private readonly onChange: (state: ConnectionState) => void,
    private readonly onReconnected?: () => void,
  ) {}

  state(): ConnectionState {
    return { ...this.current };
  }

  connecting(attempt: number, lastError?: string): void {
    this.set(lastError === undefined ? { state: 'connecting', since: Date.now(), attempt } : { state: 'connecting', since: Date.now(), attempt, lastError });
  }

  connected(): void {
    if (this.current.state === 'connected') return;
    if (this.everConnected) this.onReconnected?.();
    this.everConnected = true;
    this.lastLoggedError = undefined;
    this.logger?.info(`${this.what} connected`);
    this.set({ state: 'connected', since: Date.now() });
  }

  failing(error: string, retryInMs: number): void {
    if (error !== this.lastLoggedError) {
      this.logger?.warn(`${this.what} failed`, { error, retryInMs });
      this.lastLoggedError = error;
    }
    this.set({ state: 'failing', since: Date.now(), error, retryInMs });
  }

  closed(): void {
    this.set({ state: 'closed', since: Date.now() });
  }

  private set(state: ConnectionState): void {
    this.current = state;
    this.onChange(this.state());
  }
}
