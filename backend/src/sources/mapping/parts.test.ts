/**
 * The building blocks a user meets through query errors and field names: field paths, topic patterns,
 * alias placeholders, payload times in every format, and mapping validation.
 */
import { MAPPING_LIMITS } from '../../../../src/shared/mapping';
import { compileMapping, MappingError } from './compile';
import { renderAlias } from './alias';
import { formatPath, parsePath } from './path';
import { parseTime } from './time';
import { compileTopicPattern } from './topicPattern';

describe('field paths', () => {
  it.each([
    ['a', ['a']],
    ['a.b[2].c', ['a', 'b', 2, 'c']],
    ['  sensor.temp  ', ['sensor', 'temp']],
    ['[0]', [0]],
    ['a["x.y"].z', ['a', 'x.y', 'z']],
    ["['odd key'][1]", ['odd key', 1]],
    ['a["say \\"hi\\""]', ['a', 'say "hi"']],
    ['a.0', ['a', '0']],
  ])('%s', (text, segments) => {
    expect(parsePath(text)).toEqual(segments);
  });

  it('writes back in one canonical form that parses to the same path', () => {
    for (const segments of [['a', 'b', 2], ['x.y'], ['odd key', 0, 'v'], ['a', ''], ['q"uote']]) {
      expect(parsePath(formatPath(segments))).toEqual(segments);
    }
    expect(formatPath(['a', 'x.y', 3])).toBe('a["x.y"][3]');
  });

  it.each([
    ['', 'is empty'],
    ['a..b', 'empty key at character 3'],
    ['.a', 'path starts with "." at character 1'],
    ['a[', 'unclosed "[" at character 3'],
    ['a[x]', 'index "x" is not a whole number'],
    ['a[-1]', 'index "-1" is not a whole number'],
    ['a["b]', 'unclosed " quote'],
    ['a["b"', 'expected "]" after the quoted key'],
    ['a]b', 'unexpected "]"'],
    ['a[1]b', 'expected "." or "[" before "b"'],
  ])('rejects %j: %s', (text, reason) => {
    expect(() => parsePath(text)).toThrow(reason);
  });

  it(`rejects paths over ${MAPPING_LIMITS.maxPathLength} characters`, () => {
    expect(() => parsePath('a'.repeat(MAPPING_LIMITS.maxPathLength + 1))).toThrow('longer than');
  });
});

describe('topic patterns', () => {
  it('takes labels from segments and the rest of the topic', () => {
    const p = compileTopicPattern('sensors/{device}/temperature');
    expect(p.match('sensors/kitchen/temperature')).toEqual({ device: 'kitchen' });
    expect(p.match('sensors/kitchen/humidity')).toBeUndefined();
    expect(p.match('sensors/kitchen')).toBeUndefined();
    expect(p.match('sensors/kitchen/temperature/x')).toBeUndefined();
    const rest = compileTopicPattern('site/{building}/{path...}');
    expect(rest.match('site/b1/floor2/room7/co2')).toEqual({ building: 'b1', path: 'floor2/room7/co2' });
    expect(rest.labelNames).toEqual(['building', 'path']);
    expect(compileTopicPattern('+/{kind}/#').match('x/temp/a/b')).toEqual({ kind: 'temp' });
  });

  it.each([
    ['a/{rest...}/b', 'must be the last segment'],
    ['a/{1x}', 'label name "1x"'],
    ['a/{topic}', 'reserved'],
    ['{d}/{d}', 'appears twice'],
    ['a/x{d}', 'a label is a whole segment'],
    ['a/#/b', '"#" must be the last segment'],
    ['a/b+', '"+" and "#" must be whole segments'],
  ])('rejects %j', (pattern, reason) => {
    expect(() => compileTopicPattern(pattern)).toThrow(reason);
  });
});

describe('alias placeholders', () => {
  const ctx = { topic: 'sensors/a/temp', field: 'value', labels: { topic: 'sensors/a/temp', device: 'a' } };
  it('replaces topic, field and labels; leaves unknown placeholders as written', () => {
    expect(renderAlias('{{device}} {{ field }} ({{topic}})', ctx)).toBe('a value (sensors/a/temp)');
    expect(renderAlias('{{room}} / {{device}} {x}', ctx)).toBe('{{room}} / a {x}');
  });
});

describe('payload times', () => {
  const ms = (t: ReturnType<typeof parseTime>) => t && t.ms;
  const T = Date.UTC(2023, 10, 14, 22, 13, 20); // 1700000000000
  it.each([
    ['epoch seconds', 1_700_000_000, T, 0],
    ['epoch seconds with fraction', 1_700_000_000.25, T + 250, 0],
    ['epoch ms', 1_700_000_000_123, T + 123, 0],
    ['epoch µs', 1_700_000_000_123_456, T + 123, 456_000],
    ['epoch ns as a string (exact)', '1700000000123456789', T + 123, 456_789],
    ['epoch ms as a string', ' 1700000000123 ', T + 123, 0],
    ['epoch s as a decimal string', '1700000000.5', T + 500, 0],
    ['RFC 3339 Z', '2023-11-14T22:13:20Z', T, 0],
    ['RFC 3339 with ms', '2023-11-14T22:13:20.123Z', T + 123, 0],
    ['RFC 3339 with ns', '2023-11-14T22:13:20.123456789Z', T + 123, 456_789],
    ['RFC 3339 with µs and an offset', '2023-11-15T00:13:20.000001+02:00', T, 1000],
    ['negative offset, no colon', '2023-11-14T17:13:20-0500', T, 0],
    ['space separator, no zone (UTC)', '2023-11-14 22:13:20', T, 0],
    ['date only', '2023-11-14', Date.UTC(2023, 10, 14), 0],
  ])('auto: %s', (_name, value, expectMs, expectNs) => {
    expect(parseTime(value, 'auto')).toEqual({ ms: expectMs, ns: expectNs });
  });

  it('epoch ns as a JSON number keeps what a double holds', () => {
    const t = parseTime(Number('1700000000123456789'), 'auto')!;
    expect(t.ms).toBe(T + 123);
    expect(Math.abs(t.ns - 456_789)).toBeLessThan(300);
  });

  it('explicit formats override the magnitude rule', () => {
    expect(ms(parseTime(1_700_000_000, 'epoch-ms'))).toBe(1_700_000_000);
    expect(ms(parseTime(1_700_000_000_000, 'epoch-s'))).toBeUndefined(); // beyond year 2262
    expect(parseTime(1_700_000_000_000_000, 'epoch-ns')).toEqual({ ms: 1_700_000_000, ns: 0 });
    expect(parseTime('1700000000000000', 'epoch-us')).toEqual({ ms: T, ns: 0 });
    expect(parseTime(T, 'iso8601')).toBeUndefined();
    expect(parseTime('2023-11-14T22:13:20Z', 'epoch-ms')).toBeUndefined();
  });

  it.each([['not a time'], ['2023-02-30T00:00:00Z'], ['2023-13-01'], [''], [true], [null], [{ t: 1 }], [NaN], ['2023-11-14T25:00:00Z']])('%j is no time', (value) => {
    expect(parseTime(value, 'auto')).toBeUndefined();
  });
});

describe('mapping validation', () => {
  const ok = { format: 'json' as const, timeSource: 'arrival' as const };
  it.each([
    [{ ...ok, format: 'xml' }, 'payload format "xml" is not one of json, number, text'],
    [{ ...ok, timeSource: 'payload' }, 'no time field is set'],
    [{ ...ok, timeSource: 'payload', timeField: 'a..b' }, 'time field: field path "a..b": empty key at character 3'],
    [{ ...ok, fields: ['a', 'b[x]'] }, 'fields[1]: field path "b[x]"'],
    [{ ...ok, fields: ['a.b', 'a["b"]'] }, 'field "a.b" is listed twice'],
    [{ ...ok, format: 'number', fields: ['a'] }, 'applies to JSON payloads only'],
    [{ ...ok, fields: Array.from({ length: MAPPING_LIMITS.maxExplicitFields + 1 }, (_, i) => `f${i}`) }, `at most ${MAPPING_LIMITS.maxExplicitFields}`],
    [{ ...ok, topicPattern: 'a/{x...}/b' }, 'must be the last segment'],
    [{ ...ok, timeFormat: 'epoch-days' }, 'time format "epoch-days"'],
  ])('%j', (mapping, message) => {
    expect(() => compileMapping(mapping as never)).toThrow(MappingError);
    expect(() => compileMapping(mapping as never)).toThrow(message);
  });

  it('default alias: the field alone for one topic, else the field and the pattern labels or the topic', () => {
    expect(compileMapping(ok, { topicFilter: 'home/kitchen/temp' }).alias).toBe('{{field}}');
    expect(compileMapping({ ...ok, topicPattern: 'sensors/{device}/{kind}' }, { topicFilter: 'sensors/#' }).alias).toBe('{{field}} {{device}} {{kind}}');
    expect(compileMapping(ok, { topicFilter: 'sensors/+' }).alias).toBe('{{field}} {{topic}}');
    expect(compileMapping({ ...ok, alias: ' {{device}} ' }).alias).toBe('{{device}}');
  });
});
