/**
 * The canonical channel path: every query parameter that changes what the stream sends, in a fixed
 * order, so the same stream always gets the same path (and Grafana shares one RunStream for it) and a
 * different stream never does. Example:
 *
 *   v1/sine/n=3/i=100/a=10/o=0/p=10000/l=Q1BV
 *
 * `n` series, `i` interval ms, `a` amplitude, `o` offset, `p` period ms (periodic signals only: it does
 * not change the others), `l` the alias as unpadded base64url UTF-8 (only when set: it names the fields).
 * Numbers use JavaScript's shortest round-trip form. Everything stays within Grafana's path charset
 * `A-Za-z0-9_-/=.`. Parsing accepts exactly what encoding produces: it re-encodes the parsed query and
 * compares, so there is one spelling per stream.
 */
import { SIGNALS, isSignalKind, type SignalParams } from '../../../src/shared/query';
import type { TributarySettings } from '../../../src/shared/settings';
import { validateQuery } from '../../../src/shared/validation';
import { isValidChannelPath } from '@tributary/grafana-backend-sdk/live';

export const CHANNEL_PATH_VERSION = 'v1';

/** What a stream needs: the signal and the names of its fields. */
export type StreamQuery = SignalParams & { alias: string };

export type ChannelPathResult =
  | { status: 'ok'; query: StreamQuery }
  | { status: 'notFound'; reason: string }
  | { status: 'permissionDenied'; reason: string };

function isPeriodic(signal: StreamQuery['signal']): boolean {
  return SIGNALS.find((s) => s.kind === signal)?.periodic ?? false;
}

function formatNumber(value: number): string {
  return String(value === 0 ? 0 : value);
}

export function encodeChannelPath(query: StreamQuery): string {
  const parts = [
    CHANNEL_PATH_VERSION,
    query.signal,
    `n=${formatNumber(query.seriesCount)}`,
    `i=${formatNumber(query.sampleIntervalMs)}`,
    `a=${formatNumber(query.amplitude)}`,
    `o=${formatNumber(query.offset)}`,
  ];
  if (isPeriodic(query.signal)) {
    parts.push(`p=${formatNumber(query.periodMs)}`);
  }
  if (query.alias !== '') {
    parts.push(`l=${Buffer.from(query.alias, 'utf8').toString('base64url')}`);
  }
  return parts.join('/');
}

const NUMBER_TEXT = /^-?[0-9][0-9.e-]{0,30}$/;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]{1,200}$/;
const KEYS: Record<string, keyof StreamQuery> = {
  n: 'seriesCount',
  i: 'sampleIntervalMs',
  a: 'amplitude',
  o: 'offset',
  p: 'periodMs',
  l: 'alias',
};

/**
 * Parses a path against this datasource's settings. Never throws. Anything we would not have produced
 * is `notFound`; a well-formed path whose values exceed the settings (or the absolute ranges) is
 * `permissionDenied`.
 */
export function parseChannelPath(path: unknown, settings: TributarySettings): ChannelPathResult {
  const notFound = (reason: string): ChannelPathResult => ({ status: 'notFound', reason });
  if (typeof path !== 'string' || path.length > 200 || !isValidChannelPath(path)) {
    return notFound('not a Tributary channel path');
  }
  const [version, signal, ...pairs] = path.split('/');
  if (version !== CHANNEL_PATH_VERSION) {
    return notFound(`unknown channel path version ${JSON.stringify(version)}`);
  }
  if (!isSignalKind(signal)) {
    return notFound(`unknown signal ${JSON.stringify(signal)}`);
  }
  const model: Record<string, unknown> = { signal, withStreaming: true };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = KEYS[pair.slice(0, eq)];
    const text = pair.slice(eq + 1);
    if (eq < 1 || key === undefined || key in model) {
      return notFound(`unexpected path segment ${JSON.stringify(pair)}`);
    }
    if (key === 'alias') {
      if (!BASE64URL_TEXT.test(text)) {
        return notFound('alias segment is not base64url');
      }
      model.alias = Buffer.from(text, 'base64url').toString('utf8');
    } else {
      if (!NUMBER_TEXT.test(text) || !Number.isFinite(Number(text))) {
        return notFound(`segment ${JSON.stringify(pair)} is not a number`);
      }
      model[key] = Number(text);
    }
  }
  for (const required of ['seriesCount', 'sampleIntervalMs', 'amplitude', 'offset'] as const) {
    if (!(required in model)) {
      return notFound(`missing ${required}`);
    }
  }
  const validated = validateQuery(model, settings);
  if (!validated.ok) {
    return { status: 'permissionDenied', reason: validated.problem.message };
  }
  const { seriesCount, sampleIntervalMs, amplitude, offset, periodMs, alias } = validated.query;
  const query: StreamQuery = { signal, seriesCount, sampleIntervalMs, amplitude, offset, periodMs, alias };
  if (encodeChannelPath(query) !== path) {
    return notFound('not the canonical spelling of a Tributary channel path');
  }
  return { status: 'ok', query };
}
