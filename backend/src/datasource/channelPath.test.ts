import { QUERY_RANGES, SIGNAL_KINDS, SIGNALS } from '../../../src/shared/query';
import { DEFAULT_SETTINGS, type TributarySettings } from '../../../src/shared/settings';
import { formatChannel, isValidChannelPath } from '@tributary/grafana-backend-sdk/live';
import { encodeChannelPath, parseChannelPath, type StreamQuery } from './channelPath';

/** Small deterministic PRNG for the fuzz loops, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LIMITS: TributarySettings = { maxSeries: 100, minIntervalMs: 10, maxPacketsPerSecond: 20 };

function randomQuery(random: () => number): StreamQuery {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const real = () => pick([0, 1, 2.5, -3.75, random() * 1e9, -random() * 1e-7, Math.round(random() * 1000) / 100]);
  return {
    signal: pick(SIGNAL_KINDS),
    seriesCount: int(1, 100),
    sampleIntervalMs: int(10, 3_600_000),
    amplitude: Math.abs(real()),
    offset: real(),
    periodMs: int(100, 86_400_000),
    alias: pick(['', 'cpu', 'Température °C', 'a/b=c?', '日本', ' x'.trim()]),
  };
}

function periodic(signal: StreamQuery['signal']): boolean {
  return SIGNALS.find((s) => s.kind === signal)!.periodic;
}

describe('channel path codec', () => {
  it('encodes the example from the docs', () => {
    const path = encodeChannelPath({ signal: 'sine', seriesCount: 3, sampleIntervalMs: 100, amplitude: 10, offset: 0, periodMs: 10_000, alias: 'CPU' });
    expect(path).toBe('v1/sine/n=3/i=100/a=10/o=0/p=10000/l=Q1BV');
  });

  it('round-trips random queries and stays within Grafana channel rules', () => {
    const random = prng(1);
    for (let i = 0; i < 2000; i++) {
      const query = randomQuery(random);
      const path = encodeChannelPath(query);
      expect(isValidChannelPath(path)).toBe(true);
      const parsed = parseChannelPath(path, LIMITS);
      const expected = periodic(query.signal) ? query : { ...query, periodMs: parsed.status === 'ok' ? parsed.query.periodMs : -1 };
      expect(parsed).toEqual({ status: 'ok', query: expected });
      // a 40-character uid (Grafana's maximum) always fits when there is no alias
      if (query.alias === '') {
        expect(typeof formatChannel({ scope: 'ds', namespace: 'u'.repeat(40), path })).toBe('string');
      }
    }
  });

  it('gives a parameter that does not change the stream no say in the path', () => {
    const base: StreamQuery = { signal: 'random-walk', seriesCount: 2, sampleIntervalMs: 50, amplitude: 1, offset: 0, periodMs: 1000, alias: '' };
    expect(encodeChannelPath(base)).toBe(encodeChannelPath({ ...base, periodMs: 5000 }));
    expect(encodeChannelPath({ ...base, signal: 'sine' })).not.toBe(encodeChannelPath({ ...base, signal: 'sine', periodMs: 5000 }));
  });

  it.each([
    ['', 'notFound'],
    ['stream', 'notFound'],
    ['v2/sine/n=3/i=100/a=10/o=0/p=10000', 'notFound'],
    ['v1/triangle/n=3/i=100/a=10/o=0/p=10000', 'notFound'],
    ['v1/sine/n=3/i=100/a=10/o=0', 'notFound'], // periodic signal without period
    ['v1/counter/n=3/i=100/a=10/o=0/p=10000', 'notFound'], // period on a non-periodic signal
    ['v1/sine/i=100/n=3/a=10/o=0/p=10000', 'notFound'], // keys out of order
    ['v1/sine/n=03/i=100/a=10/o=0/p=10000', 'notFound'], // non-canonical number
    ['v1/sine/n=3/i=100/a=10.0/o=0/p=10000', 'notFound'],
    ['v1/sine/n=3/i=100/a=1e1/o=0/p=10000', 'notFound'],
    ['v1/sine/n=3/i=100/a=10/o=-0/p=10000', 'notFound'],
    ['v1/sine/n=3/n=3/i=100/a=10/o=0/p=10000', 'notFound'],
    ['v1/sine/n=3/i=100/a=10/o=0/p=10000/x=1', 'notFound'],
    ['v1/sine/n=3/i=100/a=10/o=0/p=10000/l=', 'notFound'],
    ['v1/sine/n=3/i=100/a=10/o=0/p=10000/l=Q1BV=', 'notFound'], // padded base64
    ['v1/sine/n=3/i=100/a=10/o=0/p=10000/l=IENQVQ', 'notFound'], // alias " CPU" is not trimmed
    ['v1/sine/n=3/i=100/a=10/o=0/p=10000/', 'notFound'],
    ['v1/sine/n=3/i=100/a=NaN/o=0/p=10000', 'notFound'],
    ['v1/sine/n=3/i=100/a=Infinity/o=0/p=10000', 'notFound'],
    ['v1/sine/n=101/i=100/a=10/o=0/p=10000', 'permissionDenied'],
    ['v1/sine/n=0/i=100/a=10/o=0/p=10000', 'permissionDenied'],
    ['v1/sine/n=3/i=5/a=10/o=0/p=10000', 'permissionDenied'],
    ['v1/sine/n=3/i=100/a=-1/o=0/p=10000', 'permissionDenied'],
    ['v1/sine/n=3/i=100/a=10/o=2000000000/p=10000', 'permissionDenied'],
    ['v1/sine/n=2.5/i=100/a=10/o=0/p=10000', 'permissionDenied'],
  ])('rejects %s as %s', (path, status) => {
    expect(parseChannelPath(path, LIMITS).status).toBe(status);
  });

  it('denies paths beyond this datasource’s settings that another datasource would accept', () => {
    const path = 'v1/sine/n=30/i=100/a=10/o=0/p=10000';
    expect(parseChannelPath(path, LIMITS).status).toBe('ok');
    expect(parseChannelPath(path, DEFAULT_SETTINGS).status).toBe('permissionDenied'); // maxSeries 20
    expect(parseChannelPath('v1/sine/n=3/i=100/a=10/o=0/p=10000', { ...LIMITS, minIntervalMs: 200 }).status).toBe('permissionDenied');
  });

  it('never throws on random input and never accepts values outside the limits (fuzz)', () => {
    const random = prng(42);
    const settings: TributarySettings = { maxSeries: 10, minIntervalMs: 50, maxPacketsPerSecond: 20 };
    const alphabet = 'v1/=.-_0123456789aenopilsrcwkqtAZ+%?é\u0000 ';
    const tokens = ['v1', '/', 'sine', 'counter', 'random-walk', 'n=', 'i=', 'a=', 'o=', 'p=', 'l=', '1', '10', '100', '-', '.', 'e', '=', '0', 'Q1BV'];
    const valid = Array.from({ length: 50 }, () => encodeChannelPath(randomQuery(random)));
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let path: string;
      const mode = i % 3;
      if (mode === 0) {
        path = Array.from({ length: Math.floor(random() * 60) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      } else if (mode === 1) {
        path = Array.from({ length: Math.floor(random() * 20) }, () => tokens[Math.floor(random() * tokens.length)]).join('');
      } else {
        const chars = [...valid[Math.floor(random() * valid.length)]];
        const edits = 1 + Math.floor(random() * 3);
        for (let e = 0; e < edits; e++) {
          chars[Math.floor(random() * chars.length)] = alphabet[Math.floor(random() * alphabet.length)];
        }
        path = chars.join('');
      }
      const result = parseChannelPath(path, settings);
      expect(['ok', 'notFound', 'permissionDenied']).toContain(result.status);
      if (result.status === 'ok') {
        accepted++;
        const q = result.query;
        expect(encodeChannelPath(q)).toBe(path);
        expect(q.seriesCount).toBeGreaterThanOrEqual(1);
        expect(q.seriesCount).toBeLessThanOrEqual(settings.maxSeries);
        expect(q.sampleIntervalMs).toBeGreaterThanOrEqual(settings.minIntervalMs);
        for (const key of ['sampleIntervalMs', 'amplitude', 'offset', 'periodMs'] as const) {
          expect(q[key]).toBeGreaterThanOrEqual(QUERY_RANGES[key].min);
          expect(q[key]).toBeLessThanOrEqual(QUERY_RANGES[key].max);
        }
      }
    }
    for (const junk of [undefined, null, 7, {}, 'x'.repeat(10_000)]) {
      expect(parseChannelPath(junk, settings).status).toBe('notFound');
    }
    expect(accepted).toBeGreaterThan(0); // mutations of valid paths sometimes stay valid
  });
});
