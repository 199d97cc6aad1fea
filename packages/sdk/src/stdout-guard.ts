/**
 * The `./stdout-guard` entry: for a plugin's entry point, called from a module the entry imports FIRST,
 * so stdout stays clean (reserved for the go-plugin handshake) even while other modules run their
 * top-level code, before `serve()` starts. It loads only the logger, nothing else of the SDK.
 *
 * ```ts
 * // guard.ts
 * import { guardStdout } from '@tributary/grafana-backend-sdk/stdout-guard';
 * guardStdout('MYPLUGIN'); // level from MYPLUGIN_LOG_LEVEL, else GF_PLUGIN_LOG_LEVEL, else info
 * ```
 *
 * @module @tributary/grafana-backend-sdk/stdout-guard
 */
import { HclogLogger, parseLogLevel } from './log/logger';
import { installStdoutGuard } from './host/stdout-guard';

/** Sends stdout writes to stderr as log lines; `envPrefix` names the plugin's `<PREFIX>_LOG_LEVEL` variable. */
export function guardStdout(envPrefix: string): void {
  const level = parseLogLevel(process.env[`${envPrefix}_LOG_LEVEL`] ?? process.env.GF_PLUGIN_LOG_LEVEL) ?? 'info';
  installStdoutGuard(new HclogLogger({ level }));
}
