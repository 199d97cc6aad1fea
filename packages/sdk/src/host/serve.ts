/**
 * `serve()`: starts the plugin's gRPC server in managed mode (launched by Grafana: magic cookie,
 * version negotiation, handshake line, stops on Shutdown) or sidecar mode (`--listen`: long-lived,
 * survives Shutdown calls), and drains in-flight calls within a bounded time when stopping. A library
 * call: it never exits the process and installs no process-wide handlers; start-up failures reject
 * its promise. Exiting and signals are the entry point's choice (run-plugin.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { writeSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { Logger, PluginDefinition, RunMode } from '../types';
import { callResourceHandler } from '../handlers/resource';
import { checkHealthHandler, collectMetricsHandler } from '../handlers/diagnostics';
import { DEFAULT_MAX_RESPONSE_BYTES, queryChunkedDataHandler, queryDataHandler } from '../handlers/data';
import { publishStreamHandler, runStreamHandler, subscribeStreamHandler } from '../handlers/stream';
import type { HandlerRuntime } from '../handlers/runtime';
import { InstanceManager } from '../instances/manager';
import { HclogLogger, type LogLevel } from '../log/logger';
import { SdkMetrics } from '../metrics/sdk-metrics';
import { composeChain } from '../middleware/chain';
import { errorSourceMiddleware } from '../middleware/error-source';
import { loggingMiddleware } from '../middleware/logging';
import { metricsMiddleware } from '../middleware/metrics';
import { recoveryMiddleware } from '../middleware/recovery';
import { tracingMiddleware } from '../middleware/tracing';
import { startTracing, tracingOptionsFromEnv, type Tracing, type TracingOptions } from '../middleware/tracing-setup';
import type { Middleware } from '../middleware/types';
import { loadWire } from '../wire/protos';
import { CallTracker } from './calls';
import { parseCommandLine, usage } from './cli';
import { createGrpcServer, streamResetLimitWarning } from './server-options';
import {
  brokerImplementation,
  controllerImplementation,
  healthImplementation,
  stdioImplementation,
  type HelperServiceOptions,
} from './goplugin-services';
import {
  checkMagicCookie,
  handshakeLine,
  negotiateProtocolVersion,
  writeHandshake,
  type Network,
} from './handshake';
import { drain } from './drain';
import { listen, managedSocketPath, parseListenAddress, type ListenAddress } from './listen';
import { OpenCalls } from './open-calls';
import { releaseSocketPath } from './socket-path';
import { installStdoutGuard } from './stdout-guard';
import { MemoryBudget } from '../admission/memory-budget';
import { createFrameWorkerPool } from '../workers/setup';
import { isFrameWorkerThread, serveFrameTasks } from '../workers/worker-loop';

export interface ServeOptions {
  /** Prefix of the environment variables read for options, e.g. `MYPLUGIN` → `MYPLUGIN_LISTEN`. */
  envPrefix?: string;
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Sidecar address (`unix:/path.sock` or `tcp:HOST:PORT`); absent = managed mode. */
  listen?: string;
  /** Managed-mode transport: a unix socket (default, like go-plugin) or TCP on 127.0.0.1. */
  managedNetwork?: 'unix' | 'tcp';
  logLevel?: LogLevel;
  /** Sidecar unix socket permissions (default 0o660) and optional group owner. */
  socketMode?: number;
  socketGroup?: number;
  /** Largest request accepted (default 16 MiB, like the Go SDK). */
  maxReceiveMessageBytes?: number;
  /** Largest QueryData response sent (default 16 MiB); larger answers get per-query 413 errors. */
  maxResponseBytes?: number;
  /**
   * How long shutdown waits for in-flight calls before closing them by force. Default 1.5 s in
   * managed mode (Grafana sends SIGKILL 2 s after Shutdown) and 5 s in sidecar mode.
   */
  shutdownTimeoutMs?: number;
  /** Upper bound for keeping a replaced datasource instance alive for in-flight calls (default 30 s). */
  disposeAfterMs?: number;
  /** A datasource instance without calls or streams for this long is disposed (default 10 min). */
  instanceIdleMs?: number;
  /** Most datasource instances kept at once, all datasources together (default 256). */
  maxInstances?: number;
  /** How often managed mode checks that Grafana (the parent process) is still there (default 1 s). */
  parentCheckIntervalMs?: number;
  /** Worker threads for frame tasks (default: CPUs - 1, 1 to 4); 0 runs them on the main thread. */
  queryWorkers?: number;
  /** Script worker threads start (default: the entry script, `process.argv[1]`). */
  workerScript?: string;
  /** Budget for the estimated bytes of QueryData results in flight (default 64 MiB). */
  queryMemoryMiB?: number;
  /** Requests that may wait for that budget (default 256) and for how long (default 20 s). */
  queryQueueLength?: number;
  queryQueueTimeoutMs?: number;
  /** Frame tasks of queries estimated below this many bytes run inline (default 64 KiB, about 4k points: measured by bench/offload.bench.ts). */
  inlineQueryBytes?: number;
  /**
   * The plugin's own middlewares, run after the definition's (`PluginDefinition.middleware`), inside
   * the built-in ones (docs/sdk.md, "Middleware").
   */
  middleware?: Middleware[];
  /**
   * Tracing: off with `false`; default on when Grafana passes `GF_INSTANCE_OTLP_ADDRESS` (docs/sdk.md, "Tracing").
   */
  tracing?: TracingOptions | false;
}

export interface ServedPlugin {
  mode: RunMode;
  network: Network;
  address: string;
  /** The plugin's logger (hclog JSON on stderr). */
  logger: Logger;
  /** Stops serving: drains calls, disposes instances, removes the socket. Does not exit the process. */
  stop(reason: string): Promise<void>;
  /**
   * Settles once serving has stopped, whoever stopped it: `stop()`, or Grafana's Shutdown call in
   * managed mode. Resolves with the reason.
   */
  readonly stopped: Promise<string>;
}

/** `--help` was given: the usage text went to stdout and nothing was served. */
export class HelpShown extends Error {
  constructor() {
    super('usage shown (--help)');
    this.name = 'HelpShown';
  }
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = { managed: 1_500, sidecar: 5_000 };

/**
 * Serves the plugin. Resolves once listening (after the handshake line in managed mode). Rejects on
 * start-up problems (bad command line, not started by Grafana, address in use, ...): a StartupError
 * carries a one-line explanation; `--help` rejects with HelpShown after printing the usage. Never
 * exits the process; `runPlugin` is the entry point that does.
 */
export async function serve<Q, S>(definition: PluginDefinition<Q, S>, options: ServeOptions = {}): Promise<ServedPlugin> {
  if (isFrameWorkerThread()) {
    // Started by our own worker pool: serve frame tasks instead of gRPC; this promise never settles.
    serveFrameTasks(definition.frameTasks ?? []);
    return new Promise<ServedPlugin>(() => undefined);
  }
  const env = options.env ?? process.env;
  const envPrefix = options.envPrefix ?? 'PLUGIN';
  const cli = parseCommandLine(options.argv ?? process.argv.slice(2), env, envPrefix);
  if (cli.help) {
    // fd 1 directly: the stdout guard sends process.stdout to stderr, but help is not a handshake.
    writeSync(1, usage(path.basename(process.argv[1] ?? 'plugin'), envPrefix) + '\n');
    throw new HelpShown();
  }
  const merged: ServeOptions = { ...cli, ...stripUndefined(options) };
  return start(definition as unknown as PluginDefinition<unknown, unknown>, merged, env);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function start(definition: PluginDefinition<unknown, unknown>, options: ServeOptions, env: NodeJS.ProcessEnv): Promise<ServedPlugin> {
  const mode: RunMode = options.listen ? 'sidecar' : 'managed';
  const logger = new HclogLogger({ level: options.logLevel ?? 'info', module: definition.pluginId });
  installStdoutGuard(logger);

  // Managed: refuse to run without Grafana, and agree on a protocol version before binding.
  let version = 2;
  let address: ListenAddress;
  if (mode === 'managed') {
    checkMagicCookie(env);
    version = negotiateProtocolVersion(env.PLUGIN_PROTOCOL_VERSIONS);
    address =
      options.managedNetwork === 'tcp'
        ? { network: 'tcp', host: '127.0.0.1', port: 0 }
        : { network: 'unix', path: managedSocketPath(env.PLUGIN_UNIX_SOCKET_DIR) };
  } else {
    address = parseListenAddress(options.listen!);
  }

  const wire = loadWire();
  const registry = new Registry();
  const metrics = new SdkMetrics(registry, true, definition.metricsNamespace);
  const tracingOptions = options.tracing === false ? undefined : (options.tracing ?? tracingOptionsFromEnv(env));
  const tracing: Tracing | undefined = tracingOptions
    ? await startTracing(tracingOptions, { name: definition.pluginId, version: definition.version }, logger)
    : undefined;
  // Outermost first: the span covers everything, the log line and metrics see the final status and
  // its source, and recovery catches what the plugin's own middlewares and handlers throw.
  const chain = composeChain([
    ...(tracing ? [tracingMiddleware(tracing.tracer, tracing.propagator)] : []),
    loggingMiddleware(logger),
    metricsMiddleware(metrics),
    errorSourceMiddleware(),
    recoveryMiddleware(logger),
    ...(definition.middleware ?? []),
    ...(options.middleware ?? []),
  ]);
  const calls = new CallTracker();
  const instances = new InstanceManager({
    definition,
    logger,
    runMode: mode,
    metrics,
    registry,
    disposeAfterMs: options.disposeAfterMs,
    idleTimeoutMs: options.instanceIdleMs,
    maxInstances: options.maxInstances,
  });
  const runtime: HandlerRuntime = {
    definition,
    instances,
    logger,
    runMode: mode,
    metrics,
    calls,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    memory: new MemoryBudget({
      capacityBytes: (options.queryMemoryMiB ?? 64) * 1024 * 1024,
      maxWaiting: options.queryQueueLength ?? 256,
      maxWaitMs: options.queryQueueTimeoutMs ?? 20_000,
    }),
    frameWorkers: createFrameWorkerPool(definition, options.queryWorkers, options.workerScript ?? process.argv[1], logger),
    inlineBelowBytes: options.inlineQueryBytes ?? 64 * 1024,
    chain,
  };

  const openCalls = new OpenCalls();
  const serverOptions: grpc.ServerOptions = {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
    // Channelz (gRPC's introspection service) is never served here; off, grpc-js skips its per-call bookkeeping.
    'grpc.enable_channelz': 0,
    interceptors: [openCalls.interceptor],
  };
  const server = createGrpcServer(serverOptions, logger);
  let stopping: Promise<void> | undefined;
  const helperOptions: HelperServiceOptions = {
    logger,
    calls,
    isShuttingDown: () => stopping !== undefined,
    onShutdownRequest: () => {
      if (mode === 'managed') void stop('Grafana asked the plugin to shut down');
      else logger.info('Grafana sent Shutdown; sidecar mode keeps serving other and future connections');
    },
  };
  server.addService(wire.services.data, {
    QueryData: queryDataHandler(runtime),
    QueryChunkedData: queryChunkedDataHandler(runtime),
  });
  server.addService(wire.services.diagnostics, {
    CheckHealth: checkHealthHandler(runtime),
    CollectMetrics: collectMetricsHandler(runtime),
  });
  server.addService(wire.services.resource, { CallResource: callResourceHandler(runtime) });
  server.addService(wire.services.stream, {
    SubscribeStream: subscribeStreamHandler(runtime),
    RunStream: runStreamHandler(runtime),
    PublishStream: publishStreamHandler(runtime),
  });
  server.addService(wire.services.health, healthImplementation(helperOptions));
  server.addService(wire.services.controller, controllerImplementation(helperOptions));
  server.addService(wire.services.stdio, stdioImplementation(helperOptions));
  server.addService(wire.services.broker, brokerImplementation(helperOptions));

  let permissions: { mode: number; group?: number } | undefined;
  if (address.network === 'unix' && mode === 'sidecar') {
    permissions = { mode: options.socketMode ?? 0o660, group: options.socketGroup };
  } else if (address.network === 'unix' && env.PLUGIN_UNIX_SOCKET_GROUP && /^\d+$/.test(env.PLUGIN_UNIX_SOCKET_GROUP)) {
    // go-plugin's convention for sharing the managed socket with a group.
    permissions = { mode: 0o660, group: Number(env.PLUGIN_UNIX_SOCKET_GROUP) };
  }
  let bound;
  try {
    bound = await listen(server, address, permissions);
  } catch (err) {
    // Nothing serves: a library caller may retry, so nothing of this attempt may linger.
    await tracing?.shutdown().catch(() => undefined);
    throw err;
  }
  if (bound.removedStale) logger.info('removed stale socket from a previous run', { socket: bound.address });
  const releaseSocket = (): void => {
    if (!bound.socket) return;
    const outcome = releaseSocketPath(bound.socket.path, bound.socket.identity);
    if (outcome === 'replaced') logger.warn('the socket path belongs to another process now; left it in place', { socket: bound.socket.path });
  };

  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS[mode];
  const stop = (reason: string): Promise<void> => {
    stopping ??= drainAndClose(reason);
    return stopping;
  };
  // Worker threads go first: their running tasks were aborted with the calls, and idle ones must not linger.
  // Spans still buffered go out last, within the same deadline.
  const disposeInstances = async (): Promise<void> => {
    await runtime.frameWorkers?.close();
    await instances.disposeAll();
    await tracing?.shutdown().catch((err: unknown) => logger.warn('tracing: could not send the last spans', { error: err }));
  };
  let markStopped!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => (markStopped = resolve));
  const drainAndClose = async (reason: string): Promise<void> => {
    await drain({ server, calls, openCalls, logger, disposeInstances, release: releaseSocket }, reason, shutdownTimeoutMs);
    markStopped(reason);
  };

  if (mode === 'managed') writeHandshake(handshakeLine(version, bound.network, bound.address));
  logger.info('plugin serving', {
    mode,
    network: bound.network,
    address: bound.address,
    pluginVersion: definition.version,
    protocolVersion: version,
    pid: process.pid,
    node: process.version,
    nodeFlags: process.execArgv.join(' '),
  });
  const resetLimit = streamResetLimitWarning();
  if (resetLimit) logger.warn(resetLimit);
  return { mode, network: bound.network, address: bound.address, logger, stop, stopped };
}
