/**
 * Reads docker-compose.yaml the way Compose does for the parts our tests need: `${VAR:-default}`
 * interpolation with an empty environment (the defaults a fresh clone gets), `$$` escapes, and the
 * short and long volume syntaxes normalised to { type, source, target, readOnly }.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const COMPOSE_FILE = path.join(repoRoot, 'docker-compose.yaml');

export interface Mount {
  type: 'volume' | 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface Service {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[] | string;
  working_dir?: string;
  user?: string;
  environment?: Record<string, string> | string[];
  volumes?: Array<string | Record<string, any>>;
  ports?: unknown[];
  expose?: unknown[];
  profiles?: string[];
  healthcheck?: { test: string[] | string; [key: string]: unknown };
  restart?: string;
  depends_on?: Record<string, { condition: string }> | string[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Compose interpolation with no variables set: `${X:-d}`/`${X-d}` give d, `${X}`/`$X` give '', `$$` gives `$`. */
export function interpolate(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name, op, fallback, bare) => {
    if (match === '$$') return '$';
    const key = name ?? bare;
    const value = env[key];
    if (op === ':-') return value ? value : fallback;
    if (op === '-') return value !== undefined ? value : fallback;
    return value ?? '';
  });
}

function interpolateDeep(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

export function rawComposeText(): string {
  return readFileSync(COMPOSE_FILE, 'utf8');
}

/** The compose model after interpolation, as `docker compose config` would see it on a fresh clone. */
export function loadCompose(env: Record<string, string> = {}): ComposeFile {
  return interpolateDeep(parse(rawComposeText()), env) as ComposeFile;
}

export function mountsOf(service: Service): Mount[] {
  return (service.volumes ?? []).map((entry) => {
    if (typeof entry === 'string') {
      const [source, target, mode] = entry.split(':');
      const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
      return { type: bind ? 'bind' : 'volume', source, target, readOnly: mode === 'ro' };
    }
    return {
      type: entry.type,
      source: entry.source,
      target: entry.target,
      readOnly: entry.read_only === true,
    };
  });
}

export function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

export function commandOf(service: Service): string[] {
  if (Array.isArray(service.command)) return service.command;
  throw new Error('expected an exec-form (list) command');
}

export function isGrafana(service: Service): boolean {
  return (service.image ?? '').startsWith('grafana/grafana:');
}

/** Host path for a bind mount source (relative to the compose file). */
export function hostPath(source: string): string {
  return path.resolve(repoRoot, source);
}
