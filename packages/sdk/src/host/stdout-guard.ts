/**
 * Stdout belongs to the go-plugin handshake: Grafana reads exactly one line from it, and anything
 * printed before that line breaks start-up. This guard sends every console call to stderr as hclog
 * JSON (so Grafana keeps its level) and redirects direct `process.stdout.write` calls to stderr.
 * The handshake itself is written with `fs.writeSync(1, …)`, which the guard does not touch.
 */
import { format } from 'node:util';
import type { Logger } from '../types';

let target: Logger | undefined;
let installed = false;

/** Installs the guard (idempotent); later calls only change the logger console output goes to. */
export function installStdoutGuard(logger: Logger): void {
  target = logger;
  if (installed) return;
  installed = true;
  const route = (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      target?.[level](format(...args), { source: 'console' });
    };
  console.log = route('info');
  console.info = route('info');
  console.debug = route('debug');
  console.trace = route('debug');
  console.warn = route('warn');
  console.error = route('error');
  const toStderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    (toStderr as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
}
