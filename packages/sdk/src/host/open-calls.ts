/**
 * Every gRPC call that has not sent its status yet, so shutdown can end the ones whose handler did
 * not stop in time with a status the caller understands (UNAVAILABLE: Grafana reports "plugin
 * unavailable" and re-runs streams) instead of a bare connection reset, which callers see as
 * CANCELLED (as if they had cancelled themselves). A grpc-js server interceptor is the one place that
 * sees every call of every service.
 */
import * as grpc from '@grpc/grpc-js';

export class OpenCalls {
  private readonly open = new Set<grpc.ServerInterceptingCall>();

  get size(): number {
    return this.open.size;
  }

  readonly interceptor: grpc.ServerInterceptor = (_method, next) => {
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(next, {
      start: (startNext) => {
        this.open.add(call);
        startNext({ onCancel: () => this.open.delete(call) });
      },
      sendStatus: (status, statusNext) => {
        this.open.delete(call);
        statusNext(status);
      },
    });
    return call;
  };

  /** Ends every open call with `code` and `details`; a handler's later answer is dropped by grpc-js. */
  endAll(code: grpc.status, details: string): number {
    const calls = [...this.open];
    for (const call of calls) call.sendStatus({ code, details, metadata: new grpc.Metadata() });
    return calls.length;
  }
}
