/**
 * `serve()`: starts the plugin's gRPC server in managed mode (launched by Grafana: magic cookie,
 * version negotiation, handshake line, exit on Shutdown/SIGTERM/parent gone) or sidecar mode
 * (`--listen`: long-lived, survives Shutdown calls, exits on SIGTERM/SIGINT), and drains in-flight
 * calls within a bounded time when stopping.
 */
import * as grpc from '@grpc/grpc-js';
import { writeSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import type { PluginDefinition, RunMode } from '../types';
import { callResourceHandler } from '../handlers/resource';
import { checkHealthHandler, collectMetricsHandler } from '../handlers/diagnostics';
import { DEFAULT_MAX_RESPONSE_BYTES, queryChunkedDataHandler, queryDataHandler } from '../handlers/data';
import { publishStreamHandler, runStreamHandler, subscribeStreamHandler } from '../handlers/stream';
import type { HandlerRuntime } from '../handlers/runtime';
import { InstanceManager } from '../instances/manager';
import { HclogLogger, markStderrBroken, type LogLevel } from '../log/logger';
import { SdkMetrics } from '../metrics/sdk-metrics';
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
  StartupError,
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
}

export interface ServedPlugin {
  mode: RunMode;
  network: Network;
  address: string;
  /** Stops serving: drains calls, disposes instances, removes the socket. Does not exit the process. */
  stop(reason: string): Promise<void>;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = { managed: 1_500, sidecar: 5_000 };

function fail(pluginId: string, message: string): never {
  // One plain line: readable by a human, and go-plugin files "[ERROR]" lines at error level.
  process.stderr.write(`[ERROR] ${pluginId}: ${message}\n`);
  process.exit(1);
}

/**
 * Serves the plugin. Resolves once listening (after the handshake line in managed mode). Start-up
 * problems print one line on stderr and exit with code 1.
 */
export async function serve<Q, S>(definition: PluginDefinition<Q, S>, options: ServeOptions = {}): Promise<ServedPlugin> {
  if (isFrameWorkerThread()) {
    // Started by our own worker pool: serve frame tasks instead of gRPC; this promise never settles.
    serveFrameTasks(definition.frameTasks ?? []);
    return new Promise<ServedPlugin>(() => undefined);
  }
  const env = options.env ?? process.env;
  const envPrefix = options.envPrefix ?? 'PLUGIN';
  let cli;
  try {
    cli = parseCommandLine(options.argv ?? process.argv.slice(2), env, envPrefix);
  } catch (err) {
    fail(definition.pluginId, (err as Error).message);
  }
  if (cli.help) {
    // fd 1 directly: the stdout guard sends process.stdout to stderr, but help is not a handshake.
    writeSync(1, usage(path.basename(process.argv[1] ?? 'plugin'), envPrefix) + '\n');
    process.exit(0);
  }
  const merged: ServeOptions = { ...cli, ...stripUndefined(options) };
  try {
    return await start(definition as unknown as PluginDefinition<unknown, unknown>, merged, env);
  } catch (err) {
    if (err instanceof StartupError) fail(definition.pluginId, err.message);
    fail(definition.pluginId, `start-up failed: ${(err as Error)?.stack ?? err}`);
  }
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
      if (mode === 'managed') void exitAfter(stop('Grafana asked the plugin to shut down'));
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
  const bound = await listen(server, address, permissions);
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
  const disposeInstances = async (): Promise<void> => {
    await runtime.frameWorkers?.close();
    await instances.disposeAll();
  };
  const drainAndClose = (reason: string): Promise<void> =>
    drain({ server, calls, openCalls, logger, disposeInstances, release: releaseSocket }, reason, shutdownTimeoutMs);
  const exitAfter = async (done: Promise<void>): Promise<void> => {
    await done;
    process.exit(0);
  };

  installProcessHooks(mode, logger, stop, exitAfter, options.parentCheckIntervalMs ?? 1_000);

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
  return { mode, network: bound.network, address: bound.address, stop };
}

function installProcessHooks(
  mode: RunMode,
  logger: HclogLogger,
  stop: (reason: string) => Promise<void>,
  exitAfter: (done: Promise<void>) => Promise<void>,
  parentCheckIntervalMs: number,
): void {
  let signalled = false;
  const onStopSignal = (signal: string) => (): void => {
    if (signalled) {
      logger.warn(`second ${signal}: exiting now`);
      process.exit(1);
    }
    signalled = true;
    void exitAfter(stop(`received ${signal}`));
  };
  process.on('SIGTERM', onStopSignal('SIGTERM'));
  if (mode === 'managed') {
    // Like Go plugins: a Ctrl-C in Grafana's terminal reaches the whole process group; Grafana decides.
    process.on('SIGINT', () => logger.debug('ignoring SIGINT in managed mode; Grafana controls the plugin lifetime'));
  } else {
    process.on('SIGINT', onStopSignal('SIGINT'));
  }

  process.stderr.on('error', markStderrBroken);
  if (mode === 'managed') {
    // Grafana gone: we get re-parented (ppid changes), and our stdout/stderr pipes break (EPIPE).
    // stdin is not a signal: Grafana passes its own stdin, which may be /dev/null from the start.
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid !== parent) void exitAfter(stop('the parent process (Grafana) exited'));
    }, parentCheckIntervalMs);
    timer.unref();
    const onPipeError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') void exitAfter(stop('Grafana closed our output pipes'));
    };
    process.stdout.on('error', onPipeError);
    process.stderr.on('error', onPipeError);
  }

  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception (kept running)', { error: err, stack: err?.stack });
  });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled promise rejection (kept running)', { error: reason, stack: (reason as Error)?.stack });
  });
}
