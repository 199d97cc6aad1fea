/**
 * Tracks in-flight gRPC calls so shutdown can drain them: streaming calls are asked to end at once,
 * unary calls get until the drain deadline, then everything is aborted.
 */
export type CallKind = 'unary' | 'stream';

export interface TrackedCall {
  readonly signal: AbortSignal;
  abort(reason: string): void;
  /** Marks the call finished (idempotent). */
  end(): void;
}

export class CallTracker {
  private readonly calls = new Map<TrackedCall, CallKind>();
  /** True once shutdown began: calls ending now end because the plugin goes away. */
  draining = false;

  get size(): number {
    return this.calls.size;
  }

  begin(kind: CallKind): TrackedCall {
    const controller = new AbortController();
    let ended = false;
    const call: TrackedCall = {
      signal: controller.signal,
      abort: (reason) => {
        if (!controller.signal.aborted) controller.abort(new Error(reason));
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.calls.delete(call);
      },
    };
    this.calls.set(call, kind);
    return call;
  }

  abortStreams(reason: string): void {
    this.draining = true;
    for (const [call, kind] of this.calls) if (kind === 'stream') call.abort(reason);
  }

  abortAll(reason: string): void {
    this.draining = true;
    for (const call of this.calls.keys()) call.abort(reason);
  }
}
