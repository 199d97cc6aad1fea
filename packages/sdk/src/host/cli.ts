/**
 * Command line and environment → serve options. Flags win over environment variables.
 *
 *   --listen unix:/path.sock | tcp:HOST:PORT   sidecar mode on that address   (env <PREFIX>_LISTEN);
 *                                              TCP is unauthenticated: usage() says what to prefer
 *   --network unix|tcp                         managed mode transport (default unix) (env <PREFIX>_NETWORK)
 *   --log-level trace|debug|info|warn|error|off                               (env <PREFIX>_LOG_LEVEL, GF_PLUGIN_LOG_LEVEL)
 *   --socket-mode 0660                         sidecar unix socket permissions, default 0660 (env <PREFIX>_SOCKET_MODE)
 *   --socket-group 0                           sidecar unix socket group id   (env <PREFIX>_SOCKET_GROUP)
 *   --query-workers N                          worker threads for heavy queries, 0 = none (env <PREFIX>_QUERY_WORKERS)
 *   --query-memory-mib N                       budget for QueryData work in flight (env <PREFIX>_QUERY_MEMORY_MIB)
 *   --inline-query-kib N                       smaller queries skip the worker threads (env <PREFIX>_INLINE_QUERY_KIB)
 */
import { StartupError } from './handshake';
import { parseLogLevel, type LogLevel } from '../log/logger';

export interface CommandLineOptions {
  listen?: string;
  managedNetwork?: 'unix' | 'tcp';
  logLevel?: LogLevel;
  socketMode?: number;
  socketGroup?: number;
  queryWorkers?: number;
  queryMemoryMiB?: number;
  inlineQueryBytes?: number;
  help?: boolean;
}

export function usage(program: string, envPrefix: string): string {
  return [
    `usage: ${program} [options]`,
    '',
    'Without --listen the program expects to be started by Grafana (managed mode: go-plugin handshake on stdout).',
    'With --listen it runs as a sidecar that Grafana reaches through a launcher and keeps serving across restarts.',
    '',
    'Options (a flag wins over its environment variable):',
    `  --listen unix:/path.sock|tcp:HOST:PORT  sidecar mode on that address; default: managed mode  (${envPrefix}_LISTEN)`,
    '                                          The gRPC server has no TLS and no authentication:',
    '                                          prefer a unix socket or tcp:127.0.0.1:PORT, or a private network only Grafana can reach;',
    '                                          tcp:0.0.0.0:PORT exposes the backend to the whole network.',
    `  --network unix|tcp                      managed mode transport; default unix  (${envPrefix}_NETWORK)`,
    `  --log-level LEVEL                       trace, debug, info, warn, error or off; default info`,
    `                                          (${envPrefix}_LOG_LEVEL, then Grafana's GF_PLUGIN_LOG_LEVEL)`,
    `  --socket-mode MODE                      sidecar unix socket permissions (octal); default 0660  (${envPrefix}_SOCKET_MODE)`,
    `  --socket-group GID                      sidecar unix socket group id; default: the process's group  (${envPrefix}_SOCKET_GROUP)`,
    `  --query-workers N                       worker threads for heavy queries; default CPUs - 1, 1 to 4; 0 = main thread`,
    `                                          (${envPrefix}_QUERY_WORKERS)`,
    `  --query-memory-mib N                    budget for estimated QueryData results in flight, further requests wait;`,
    `                                          default 64  (${envPrefix}_QUERY_MEMORY_MIB)`,
    `  --inline-query-kib N                    queries estimated below this run on the main thread; default 64`,
    `                                          (${envPrefix}_INLINE_QUERY_KIB)`,
    '  -h, --help                              print this text on stdout and exit',
    '',
    'Logs are hclog JSON lines on stderr.',
  ].join('\n');
}

function parseMode(value: string, source: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) throw new StartupError(`${source} ${value}: expected an octal mode such as 0666 or 0660`);
  return parseInt(value, 8);
}

function parseCount(value: string, source: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new StartupError(`${source} ${value}: expected a whole number from ${min} to ${max}`);
  return n;
}

function parseGroup(value: string, source: string): number {
  if (!/^\d+$/.test(value)) throw new StartupError(`${source} ${value}: expected a numeric group id such as 0`);
  return Number(value);
}

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv, envPrefix: string): CommandLineOptions {
  const flags = new Map<string, string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const match = /^--(listen|network|log-level|socket-mode|socket-group|query-workers|query-memory-mib|inline-query-kib)(?:=(.*))?$/.exec(arg);
    if (!match) throw new StartupError(`unknown argument ${JSON.stringify(arg)}; run with --help for usage`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new StartupError(`--${match[1]} needs a value`);
    flags.set(match[1], value);
  }
  const pick = (flag: string, envName: string): [string | undefined, string] => {
    if (flags.has(flag)) return [flags.get(flag), `--${flag}`];
    const v = env[envName];
    return [v && v.trim() ? v.trim() : undefined, envName];
  };
  const options: CommandLineOptions = { help };
  const [listen] = pick('listen', `${envPrefix}_LISTEN`);
  if (listen) options.listen = listen;
  const [network, networkSource] = pick('network', `${envPrefix}_NETWORK`);
  if (network) {
    if (network !== 'unix' && network !== 'tcp') throw new StartupError(`${networkSource} ${network}: expected unix or tcp`);
    options.managedNetwork = network;
  }
  let [level, levelSource] = pick('log-level', `${envPrefix}_LOG_LEVEL`);
  if (!level && env.GF_PLUGIN_LOG_LEVEL) [level, levelSource] = [env.GF_PLUGIN_LOG_LEVEL, 'GF_PLUGIN_LOG_LEVEL'];
  if (level) {
    const parsed = parseLogLevel(level);
    if (!parsed) throw new StartupError(`${levelSource} ${level}: expected trace, debug, info, warn, error or off`);
    options.logLevel = parsed;
  }
  const [mode, modeSource] = pick('socket-mode', `${envPrefix}_SOCKET_MODE`);
  if (mode) options.socketMode = parseMode(mode, modeSource);
  const [group, groupSource] = pick('socket-group', `${envPrefix}_SOCKET_GROUP`);
  if (group) options.socketGroup = parseGroup(group, groupSource);
  const [workers, workersSource] = pick('query-workers', `${envPrefix}_QUERY_WORKERS`);
  if (workers) options.queryWorkers = parseCount(workers, workersSource, 0, 64);
  const [memory, memorySource] = pick('query-memory-mib', `${envPrefix}_QUERY_MEMORY_MIB`);
  if (memory) options.queryMemoryMiB = parseCount(memory, memorySource, 16, 65536);
  const [inlineKiB, inlineSource] = pick('inline-query-kib', `${envPrefix}_INLINE_QUERY_KIB`);
  if (inlineKiB) options.inlineQueryBytes = parseCount(inlineKiB, inlineSource, 0, 16384) * 1024;
  return options;
}
