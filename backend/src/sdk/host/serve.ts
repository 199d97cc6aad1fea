/**
 * `serve()`: starts the plugin's gRPC server in managed mode (launched by Grafana: magic cookie,
 * version negotiation, handshake line, exit on Shutdown/SIGTERM/parent gone) or sidecar mode
 * (`--listen`: long-lived, survives Shutdown calls, exits on SIGTERM/SIGINT), and drains in-flight
 * calls within a bounded time when stopping.
 */
import * as grpc from '@grpc/grpc-js';
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
import {
  applySocketPermissions,
  bind,
  managedSocketPath,
  parseListenAddress,
  prepareSocketPath,
  removeSocket,
  type ListenAddress,
} from './listen';
import { installStdoutGuard } from './stdout-guard';

export interface ServeOptions {
  /** Prefix of the environment variables read for options, e.g. `TRIBUTARY` → `TRIBUTARY_LISTEN`. */
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
export async function serve<Q>(definition: PluginDefinition<Q>, options: ServeOptions = {}): Promise<ServedPlugin> {
  const env = options.env ?? process.env;
  const envPrefix = options.envPrefix ?? 'PLUGIN';
  let cli;
  try {
    cli = parseCommandLine(options.argv ?? process.argv.slice(2), env, envPrefix);
  } catch (err) {
    fail(definition.pluginId, (err as Error).message);
  }
  if (cli.help) {
    process.stderr.write(usage(path.basename(process.argv[1] ?? 'plugin'), envPrefix) + '\n');
    process.exit(0);
  }
  const merged: ServeOptions = { ...cli, ...stripUndefined(options) };
  try {
    return await start(definition as unknown as PluginDefinition<unknown>, merged, env);
  } catch (err) {
    if (err instanceof StartupError) fail(definition.pluginId, err.message);
    fail(definition.pluginId, `start-up failed: ${(err as Error)?.stack ?? err}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function start(definition: PluginDefinition<unknown>, options: ServeOptions, env: NodeJS.ProcessEnv): Promise<ServedPlugin> {
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
  if (address.network === 'unix') {
    const { removedStale } = await prepareSocketPath(address.path);
    if (removedStale) logger.info('removed stale socket from a previous run', { socket: address.path });
  }

  const wire = loadWire();
  const registry = new Registry();
  const metrics = new SdkMetrics(registry);
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
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
  });
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

  const bound = await bind(server, address);
  if (address.network === 'unix' && mode === 'sidecar') {
    applySocketPermissions(address.path, options.socketMode ?? 0o660, options.socketGroup);
  } else if (address.network === 'unix' && env.PLUGIN_UNIX_SOCKET_GROUP && /^\d+$/.test(env.PLUGIN_UNIX_SOCKET_GROUP)) {
    // go-plugin's convention for sharing the managed socket with a group.
    applySocketPermissions(address.path, 0o660, Number(env.PLUGIN_UNIX_SOCKET_GROUP));
  }

  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS[mode];
  const stop = (reason: string): Promise<void> => {
    stopping ??= drainAndClose(reason);
    return stopping;
  };
  const drainAndClose = async (reason: string): Promise<void> => {
    logger.info('shutting down', { reason, inFlightCalls: calls.size, timeoutMs: shutdownTimeoutMs });
    const deadline = Date.now() + shutdownTimeoutMs;
    calls.abortStreams('the plugin is shutting down');
    const closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    const timedOut = await raceTimeout(closed, shutdownTimeoutMs);
    if (timedOut) {
      logger.warn('in-flight calls did not finish in time; closing them', { inFlightCalls: calls.size });
      calls.abortAll('the plugin is shutting down');
      server.forceShutdown();
    }
    await raceTimeout(instances.disposeAll(), Math.max(250, deadline - Date.now()));
    if (address.network === 'unix') removeSocket(address.path);
    logger.info('stopped');
  };
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
  });
  return { mode, network: bound.network, address: bound.address, stop };
}

/** Resolves true if `promise` did not settle within `ms`. */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  try {
    return await Promise.race([promise.then(() => false, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
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
