/**
 * Entry point of the self-contained plugin executables dist/gpx_tributary_linux_{amd64,arm64}: Node
 * and this bundle in one file (Node's single-executable applications; scripts/build-executables.mjs).
 *
 * Grafana starts the executable with no arguments. It then does what the POSIX launcher does: point
 * Grafana at a sidecar when one is configured (sidecar-lookup.ts), otherwise serve the plugin itself
 * (managed mode), with no Node installed on the host. With arguments (`--listen ...`, `--help`) it is
 * being run by hand, e.g. as the sidecar itself, and goes straight to the backend.
 */
import { HclogLogger, parseLogLevel } from '@tributary/grafana-backend-sdk';
import { chooseBackend, offersProtocolTwo, sidecarHandshake, SidecarLookupError, type BackendChoice } from './sidecar-lookup';

const PARENT_CHECK_MS = 2000;

const log = new HclogLogger({
  module: 'tributary-launcher',
  level: parseLogLevel(process.env.TRIBUTARY_LOG_LEVEL ?? process.env.GF_PLUGIN_LOG_LEVEL) ?? 'info',
});

/** Hands Grafana the sidecar's address, then stays alive as the one process Grafana stops. */
function pointAtSidecar(choice: Extract<BackendChoice, { mode: 'sidecar' }>): void {
  if (!offersProtocolTwo(process.env)) {
    log.warn(`Grafana offers plugin protocol versions '${process.env.PLUGIN_PROTOCOL_VERSIONS}', Tributary speaks 2`);
  }
  log.info(`using sidecar ${choice.network}:${choice.address} (from ${choice.source})`);
  process.stdout.write(sidecarHandshake(choice));
  // Grafana SIGKILLs this PID to stop the plugin; should Grafana die first, we get re-parented: leave too,
  // rather than linger like an orphaned `sleep`. SIGINT (Ctrl-C in Grafana's terminal) is Grafana's call.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, PARENT_CHECK_MS);
  process.on('SIGINT', () => undefined);
}

async function main(): Promise<void> {
  if (process.argv.length <= 2) {
    let choice: BackendChoice;
    try {
      choice = await chooseBackend(process.env, log);
    } catch (err) {
      if (!(err instanceof SidecarLookupError)) throw err;
      log.error(err.message);
      process.exit(1);
    }
    if (choice.mode === 'sidecar') return pointAtSidecar(choice);
    log.info('no sidecar configured; serving the plugin from this executable (managed mode)');
  }
  // The backend entry starts serving when it is loaded.
  await import('../src/main');
}

main().catch((err: unknown) => {
  log.error(`launcher failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
