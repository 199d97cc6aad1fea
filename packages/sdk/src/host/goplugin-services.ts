/**
 * go-plugin's helper services as Grafana's host calls them:
 * health (`plugin` and `` → SERVING), GRPCController/Shutdown, GRPCStdio/StreamStdio (held open
 * silently until shutdown, so the host logs no "stdio service not available" warning) and
 * GRPCBroker/StartStream (accepted and held open; Grafana never brokers connections).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../types';
import { grpcHealth } from '../wire/messages';
import type { CallTracker } from './calls';

const { SERVING, NOT_SERVING, SERVICE_UNKNOWN } = grpcHealth.health.v1.HealthCheckResponse.ServingStatus;

export interface HelperServiceOptions {
  logger: Logger;
  calls: CallTracker;
  /** Called after the Shutdown RPC has been answered. */
  onShutdownRequest(): void;
  isShuttingDown(): boolean;
}

/** Health services we answer SERVING for: go-plugin probes "plugin", gRPC tooling probes "". */
const SERVED = new Set(['', 'plugin']);

export function healthImplementation(options: HelperServiceOptions): grpc.UntypedServiceImplementation {
  const status = (service: string): number => (options.isShuttingDown() ? NOT_SERVING : SERVED.has(service) ? SERVING : SERVICE_UNKNOWN);
  return {
    Check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const service = call.request.service ?? '';
      if (!SERVED.has(service)) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown health service "${service}"` });
        return;
      }
      callback(null, { status: status(service) });
    },
    Watch(call: grpc.ServerWritableStream<{ service: string }, unknown>) {
      // Answer the current status once, then hold the stream until the client or shutdown ends it.
      const tracked = options.calls.begin('stream');
      call.write({ status: status(call.request.service ?? '') });
      const finish = (): void => {
        tracked.end();
        if (!call.destroyed) call.end();
      };
      tracked.signal.addEventListener('abort', finish, { once: true });
      call.on('cancelled', finish);
    },
  };
}

export function controllerImplementation(options: HelperServiceOptions): grpc.UntypedServiceImplementation {
  return {
    Shutdown(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      options.logger.debug('GRPCController.Shutdown received');
      callback(null, {});
      // Let the answer reach Grafana before we start closing connections.
      setImmediate(() => options.onShutdownRequest());
    },
  };
}

/** Holds a server-streaming or bidi call open until the client leaves or shutdown ends it with OK. */
function holdOpen(calls: CallTracker, call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): void {
  const tracked = calls.begin('stream');
  const finish = (): void => {
    tracked.end();
    if (!call.destroyed && !call.writableEnded) call.end();
  };
  tracked.signal.addEventListener('abort', finish, { once: true });
  call.on('cancelled', finish);
  call.on('error', finish);
}

export function stdioImplementation(options: HelperServiceOptions): grpc.UntypedServiceImplementation {
  return {
    // We log straight to stderr, which Grafana already reads; nothing needs forwarding here.
    StreamStdio(call: grpc.ServerWritableStream<unknown, unknown>) {
      holdOpen(options.calls, call);
    },
  };
}

export function brokerImplementation(options: HelperServiceOptions): grpc.UntypedServiceImplementation {
  return {
    StartStream(call: grpc.ServerDuplexStream<unknown, unknown>) {
      // Grafana never asks for brokered connections; drain anything sent so flow control never stalls.
      call.on('data', () => undefined);
      call.on('end', () => {
        if (!call.destroyed && !call.writableEnded) call.end();
      });
      holdOpen(options.calls, call);
    },
  };
}
