/**
 * `runPlugin()`: the one-line entry point of a plugin process. It calls `serve()` and owns what a
 * library must not: exiting and process-wide handlers, with go-plugin's behaviour. A start-up failure
 * is one `[ERROR]` line on stderr and exit code 1; the process exits 0 once serving stopped (Grafana's
 * Shutdown in managed mode, SIGTERM, SIGINT in sidecar mode, Grafana gone); a second signal exits at
 * once; SIGINT is ignored in managed mode (Grafana decides); uncaught exceptions are logged, not fatal.
 */
import { isMainThread } from 'node:worker_threads';
import type { PluginDefinition } from '../types';
import { markStderrBroken } from '../log/logger';
import { StartupError } from './handshake';
import { HelpShown, serve, type ServeOptions, type ServedPlugin } from './serve';

function failStartup(pluginId: string, err: unknown): never {
  if (err instanceof HelpShown) process.exit(0);
  const message = err instanceof StartupError ? err.message : `start-up failed: ${(err as Error)?.stack ?? err}`;
  // One plain line: readable by a human, and go-plugin files "[ERROR]" lines at error level.
  process.stderr.write(`[ERROR] ${pluginId}: ${message}\n`);
  process.exit(1);
}

/** Serves the plugin and exits the process when serving ends; resolves once serving (never settles in a frame worker thread). */
export async function runPlugin<Q, S>(definition: PluginDefinition<Q, S>, options: ServeOptions = {}): Promise<ServedPlugin> {
  // A frame worker thread serves frame tasks and owns no process: serve() handles it.
  if (!isMainThread) return serve(definition, options);
  // Signal handlers go in before serve() writes the handshake: a signal arriving right after it
  // must not find Node's default handler (which kills at once); it waits for the plugin to serve.
  const signals = new ProcessSignals();
  let served: ServedPlugin;
  try {
    served = await serve(definition, options);
  } catch (err) {
    failStartup(definition.pluginId, err);
  }
  signals.attach(served);
  watchProcess(served, options.parentCheckIntervalMs ?? 1_000);
  return served;
}

/** SIGTERM stops the plugin (a second one exits at once); SIGINT too in sidecar mode, ignored in managed mode. */
class ProcessSignals {
  private served?: ServedPlugin;
  private pending: NodeJS.Signals[] = [];
  private stopping = false;

  constructor() {
    process.on('SIGTERM', () => this.on('SIGTERM'));
    process.on('SIGINT', () => this.on('SIGINT'));
  }

  attach(served: ServedPlugin): void {
    this.served = served;
    for (const signal of this.pending.splice(0)) this.on(signal);
  }

  private on(signal: NodeJS.Signals): void {
    const served = this.served;
    if (!served) {
      this.pending.push(signal);
      return;
    }
    if (signal === 'SIGINT' && served.mode === 'managed') {
      // Like Go plugins: a Ctrl-C in Grafana's terminal reaches the whole process group; Grafana decides.
      served.logger.debug('ignoring SIGINT in managed mode; Grafana controls the plugin lifetime');
      return;
    }
    if (this.stopping) {
      served.logger.warn(`second ${signal}: exiting now`);
      process.exit(1);
    }
    this.stopping = true;
    void served.stop(`received ${signal}`);
  }
}

/** Exit once stopped; in managed mode stop when Grafana is gone; log uncaught errors instead of dying. */
function watchProcess(served: ServedPlugin, parentCheckIntervalMs: number): void {
  const { logger, mode } = served;
  void served.stopped.then(() => process.exit(0));
  process.stderr.on('error', markStderrBroken);
  if (mode === 'managed') {
    // Grafana gone: we get re-parented (ppid changes), and our stdout/stderr pipes break (EPIPE).
    // stdin is not a signal: Grafana passes its own stdin, which may be /dev/null from the start.
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid !== parent) void served.stop('the parent process (Grafana) exited');
    }, parentCheckIntervalMs);
    timer.unref();
    const onPipeError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') void served.stop('Grafana closed our output pipes');
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
