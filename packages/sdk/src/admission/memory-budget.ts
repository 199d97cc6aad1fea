/**
 * The process-wide budget for QueryData work in flight: a request reserves the estimated bytes of its
 * admitted queries before computing. When the budget is spent, requests wait in a bounded first-come
 * queue for a bounded time; past either bound they are refused. This is what keeps memory bounded
 * whatever many callers ask at once.
 */
export interface MemoryBudgetOptions {
  capacityBytes: number;
  /** Requests allowed to wait at once; more are refused at once. */
  maxWaiting: number;
  /** Longest wait before a request is refused. */
  maxWaitMs: number;
}

export type Reservation = { ok: true; release(): void } | { ok: false; reason: string };

interface Waiter {
  bytes: number;
  grant(): void;
}

export class MemoryBudget {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly options: MemoryBudgetOptions) {}

  get inUseBytes(): number {
    return this.used;
  }

  get waitingRequests(): number {
    return this.waiting.length;
  }

  /** Reserves `bytes` (capped at the whole budget, so any single request can run alone). */
  async reserve(requested: number, signal: AbortSignal): Promise<Reservation> {
    const bytes = Math.min(Math.max(0, requested), this.options.capacityBytes);
    if (this.waiting.length === 0 && this.used + bytes <= this.options.capacityBytes) return this.grant(bytes);
    if (this.waiting.length >= this.options.maxWaiting) {
      return { ok: false, reason: `the backend is busy (${this.waiting.length} requests already waiting); retry shortly` };
    }
    return new Promise<Reservation>((resolve) => {
      const leave = (reason: string): void => {
        const at = this.waiting.indexOf(waiter);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, reason });
        this.wakeWaiters(); // the head may have changed
      };
      const onAbort = (): void => leave('the query was cancelled while waiting for memory');
      const waiter: Waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(this.grant(bytes));
        },
      };
      this.waiting.push(waiter);
      // Declared after the waiter: only callbacks registered from here on can run leave() or grant().
      const timer = setTimeout(
        () => leave(`the backend is busy: no memory for this request within ${Math.round(this.options.maxWaitMs / 1000)} s; retry shortly`),
        this.options.maxWaitMs,
      );
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  }

  private grant(bytes: number): Reservation {
    this.used += bytes;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.used -= bytes;
        this.wakeWaiters();
      },
    };
  }

  /** Strictly first come, first served: a big request at the head is not overtaken by small ones. */
  private wakeWaiters(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0].bytes <= this.options.capacityBytes) {
      this.waiting.shift()!.grant();
    }
  }
}
