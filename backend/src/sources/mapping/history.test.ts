/**
 * mapHistory: buffered messages → QueryData frames, read back with Grafana's own frame reader (what a
 * panel gets) and through our Arrow writer/reader (what QueryData sends).
 */
import { checkFrame, frameFromArrow, frameToArrow } from '@tributary/grafana-backend-sdk/frames';
import { MAPPING_LIMITS, type PayloadMapping } from '../../../../src/shared/mapping';
import { mapHistory } from './history';
import { asGrafana, fieldByName, msg, T0 } from './testSupport';

const json: PayloadMapping = { format: 'json', timeSource: 'arrival' };
const notices = (f: { meta?: { notices?: Array<{ text: string }> } }) => (f.meta?.notices ?? []).map((n) => n.text);

describe('JSON payloads', () => {
  it('flattens nested objects and arrays into dotted and indexed fields, keeping types', () => {
    const { frames, rows } = mapHistory(
      [
        msg('dev/1', { temp: 21.5, meta: { ok: true, site: 'north', pos: { x: 1, y: 2 } }, tags: ['a', 'b'], gone: null }, T0),
        msg('dev/1', { temp: 22, meta: { ok: false, site: 'north', pos: { x: 3, y: 4 } }, tags: ['c'] }, T0 + 1000),
      ],
      json,
      { refId: 'A', topicFilter: 'dev/1' },
    );
    expect(rows).toBe(2);
    expect(frames).toHaveLength(1);
    const df = asGrafana(frames[0]);
    expect(df.refId).toBe('A');
    expect(df.fields.map((f) => [f.name, f.type])).toEqual([
      ['time', 'time'],
      ['temp', 'number'],
      ['meta.ok', 'boolean'],
      ['meta.site', 'string'],
      ['meta.pos.x', 'number'],
      ['meta.pos.y', 'number'],
      ['tags[0]', 'string'],
      ['tags[1]', 'string'],
      ['gone', 'number'],
    ]);
    expect(fieldByName(df, 'time').values).toEqual([T0, T0 + 1000]);
    expect(fieldByName(df, 'temp').values).toEqual([21.5, 22]);
    expect(fieldByName(df, 'meta.ok').values).toEqual([true, false]);
    expect(fieldByName(df, 'meta.pos.y').values).toEqual([2, 4]);
    expect(fieldByName(df, 'tags[1]').values).toEqual(['b', null]);
    expect(fieldByName(df, 'gone').values).toEqual([null, null]);
    expect(fieldByName(df, 'temp').labels).toEqual({ topic: 'dev/1' });
    expect(fieldByName(df, 'temp').config.displayNameFromDS).toBe('temp');
  });

  it('keeps values deeper than the depth limit as JSON text', () => {
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < MAPPING_LIMITS.maxDepth; i++) deep = { d: deep };
    const df = asGrafana(mapHistory([msg('t', deep)], json).frames[0]);
    const name = Array(MAPPING_LIMITS.maxDepth).fill('d').join('.');
    expect(df.fields.map((f) => f.name)).toEqual(['time', name]);
    expect(fieldByName(df, name).values).toEqual(['{"leaf":1}']);
  });

  it(`keeps at most ${MAPPING_LIMITS.maxFieldsPerSeries} fields per series and says so`, () => {
    const wide = Object.fromEntries(Array.from({ length: MAPPING_LIMITS.maxFieldsPerSeries + 5 }, (_, i) => [`k${i}`, i]));
    const extra = { other1: 1, other2: 2 };
    const { frames } = mapHistory([msg('t', wide, T0), msg('t', extra, T0 + 1)], json);
    expect(frames[0].fields).toHaveLength(1 + MAPPING_LIMITS.maxFieldsPerSeries);
    expect(notices(frames[0]).join('\n')).toMatch(/more than 256 leaves; the rest are dropped/);
    expect(notices(frames[0]).join('\n')).toMatch(/has more than 256 fields; further fields are dropped/);
  });

  it('keeps an explicit list of fields, in order, null where a payload lacks one', () => {
    const mapping: PayloadMapping = { ...json, fields: ['sensor.temp', 'list[1]', 'a["x.y"]', 'nested', 'missing'] };
    const df = asGrafana(
      mapHistory([msg('t', { sensor: { temp: 5, hum: 9 }, list: [1, 2], a: { 'x.y': 'dot' }, nested: { q: [1] } }, T0), msg('t', { sensor: {} }, T0 + 1)], mapping).frames[0],
    );
    expect(df.fields.map((f) => f.name)).toEqual(['time', 'sensor.temp', 'list[1]', 'a["x.y"]', 'nested', 'missing']);
    expect(fieldByName(df, 'sensor.temp').values).toEqual([5, null]);
    expect(fieldByName(df, 'list[1]').values).toEqual([2, null]);
    expect(fieldByName(df, 'a["x.y"]').values).toEqual(['dot', null]);
    expect(fieldByName(df, 'nested').values).toEqual(['{"q":[1]}', null]);
    expect(fieldByName(df, 'missing').values).toEqual([null, null]);
  });

  it('reports a type change once per field, with both types, and nulls the other-typed values', () => {
    const { frames } = mapHistory(
      [msg('t', { v: 1, s: 'x' }, T0), msg('t', { v: 'high', s: 'y' }, T0 + 1), msg('t', { v: 'low', s: 2 }, T0 + 2), msg('t', { v: 3, s: true }, T0 + 3)],
      json,
    );
    const df = asGrafana(frames[0]);
    expect(fieldByName(df, 'v').type).toBe('number');
    expect(fieldByName(df, 'v').values).toEqual([1, null, null, 3]);
    expect(fieldByName(df, 's').values).toEqual(['x', 'y', null, null]);
    expect(notices(frames[0])).toEqual([
      'field "v" of "t" changed type from number to string; its string values are shown as null',
      'field "s" of "t" changed type from string to number; its number values are shown as null',
    ]);
  });

  it('a top-level JSON scalar becomes one field named after the topic', () => {
    const df = asGrafana(mapHistory([msg('home/kitchen/temperature', '21.5'), msg('home/kitchen/temperature', 'true', T0 + 1)], json).frames[0]);
    expect(df.fields.map((f) => f.name)).toEqual(['time', 'temperature']);
    expect(fieldByName(df, 'temperature').values).toEqual([21.5, null]);
  });

  it('rejects non-JSON, invalid UTF-8 and oversize payloads with counted reasons, and maps the rest', () => {
    const result = mapHistory(
      [msg('t', 'not json {'), msg('t', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), msg('t', { big: 'x'.repeat(MAPPING_LIMITS.maxPayloadBytes) }), msg('t', { ok: 1 })],
      json,
    );
    expect(result.rejected).toEqual({ oversize: 1, 'invalid-utf8': 1, 'invalid-json': 1, 'not-a-number': 0 });
    expect(result.rows).toBe(1);
    expect(notices(result.frames[0])[0]).toBe(`3 messages were not mapped: 1 larger than ${MAPPING_LIMITS.maxPayloadBytes} bytes, 1 not valid UTF-8, 1 not valid JSON`);
  });

  it('returns one empty frame with the notice when every message was rejected, none when there were no messages', () => {
    const all = mapHistory([msg('t', '{')], json, { refId: 'B' });
    expect(all.frames).toHaveLength(1);
    expect(all.frames[0].fields).toEqual([]);
    expect(notices(all.frames[0])).toEqual(['1 message was not mapped: 1 not valid JSON']);
    expect(frameFromArrow(frameToArrow(checkFrame(all.frames[0]))).meta?.notices?.[0].text).toBe('1 message was not mapped: 1 not valid JSON');
    expect(mapHistory([], json).frames).toEqual([]);
  });
});

describe('number and text payloads', () => {
  it('a bare number, blanks allowed, named after the topic; non-numbers rejected and counted', () => {
    const result = mapHistory(
      [msg('plant/boiler/pressure', ' 1.5e2\n', T0), msg('plant/boiler/pressure', '-3', T0 + 1), msg('plant/boiler/pressure', 'NaN', T0 + 2), msg('plant/boiler/pressure', 'twelve', T0 + 3)],
      { format: 'number', timeSource: 'arrival' },
      { topicFilter: 'plant/boiler/pressure' },
    );
    const df = asGrafana(result.frames[0]);
    expect(df.fields.map((f) => f.name)).toEqual(['time', 'pressure']);
    expect(fieldByName(df, 'pressure').values).toEqual([150, -3, NaN]);
    expect(fieldByName(df, 'pressure').config.displayNameFromDS).toBe('pressure');
    expect(result.rejected['not-a-number']).toBe(1);
  });

  it('text keeps the payload as a string', () => {
    const df = asGrafana(mapHistory([msg('door/state', 'open'), msg('door/state', 'clösed ✓', T0 + 1)], { format: 'text', timeSource: 'arrival' }).frames[0]);
    expect(fieldByName(df, 'state').type).toBe('string');
    expect(fieldByName(df, 'state').values).toEqual(['open', 'clösed ✓']);
  });
});

describe('payload time', () => {
  const mapping: PayloadMapping = { format: 'json', timeSource: 'payload', timeField: 'meta.ts', timeFormat: 'auto' };

  it('reads every format, sorts by it, and keeps nanoseconds', () => {
    const base = Date.UTC(2026, 0, 1);
    const { frames } = mapHistory(
      [
        msg('t', { v: 4, meta: { ts: '2026-01-01T00:00:04.000000007Z' } }),
        msg('t', { v: 1, meta: { ts: base / 1000 + 1 } }),
        msg('t', { v: 3, meta: { ts: (base + 3000) * 1000 } }),
        msg('t', { v: 2, meta: { ts: base + 2000 } }),
        msg('t', { v: 5, meta: { ts: `${BigInt(base + 5000) * 1_000_000n + 1n}` } }),
        msg('t', { v: 6, meta: { ts: '2026-01-01T01:00:06+01:00' } }),
      ],
      mapping,
    );
    const f = frames[0];
    expect(f.fields.map((x) => x.name)).toEqual(['time', 'v']); // the time field is not a value field
    const ns = Array.from(f.fields[0].values as BigInt64Array);
    const ms = (k: number) => BigInt(base + k * 1000) * 1_000_000n;
    expect(ns).toEqual([ms(1), ms(2), ms(3), ms(4) + 7n, ms(5) + 1n, ms(6)]);
    const df = asGrafana(f);
    expect(fieldByName(df, 'v').values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fieldByName(df, 'time').nanos).toEqual([0, 0, 0, 7, 1, 0]);
  });

  it('uses the arrival time when the payload time is missing or unreadable, and counts it', () => {
    const { frames } = mapHistory([msg('t', { v: 1 }, T0), msg('t', { v: 2, meta: { ts: 'soon' } }, T0 + 5), msg('t', { v: 3, meta: { ts: T0 + 10 } }, T0 + 99)], mapping);
    const df = asGrafana(frames[0]);
    expect(fieldByName(df, 'time').values).toEqual([T0, T0 + 5, T0 + 10]);
    expect(notices(frames[0])).toEqual(['2 messages on "t" had no usable time in "meta.ts" (auto); their arrival time is used']);
  });

  it('equal times: arrival order, each later one moved 1 ns so the series strictly increases', () => {
    const f = mapHistory([msg('t', { v: 1 }, T0), msg('t', { v: 2 }, T0), msg('t', { v: 3 }, T0)], json).frames[0];
    const t = BigInt(T0) * 1_000_000n;
    expect(Array.from(f.fields[0].values as BigInt64Array)).toEqual([t, t + 1n, t + 2n]);
    expect(asGrafana(f).fields[1].values).toEqual([1, 2, 3]);
  });
});

describe('series', () => {
  it('one frame per topic, labels from the pattern, display names from the alias', () => {
    const mapping: PayloadMapping = { format: 'number', timeSource: 'arrival', topicPattern: 'sensors/{device}/{kind}', alias: '{{device}} {{kind}} ({{field}}) {{nope}}' };
    const { frames } = mapHistory(
      [msg('sensors/a/temp', '1', T0), msg('sensors/b/temp', '2', T0), msg('sensors/a/temp', '3', T0 + 1), msg('other/x', '4', T0)],
      mapping,
      { topicFilter: '#' },
    );
    expect(frames.map((f) => f.name)).toEqual(['sensors/a/temp', 'sensors/b/temp', 'other/x']);
    const [a, b, other] = frames.map(asGrafana);
    expect(a.fields[1].labels).toEqual({ topic: 'sensors/a/temp', device: 'a', kind: 'temp' });
    expect(a.fields[1].values).toEqual([1, 3]);
    expect(a.fields[1].config.displayNameFromDS).toBe('a temp (temp) {{nope}}');
    expect(b.fields[1].values).toEqual([2]);
    expect(other.fields[1].labels).toEqual({ topic: 'other/x' });
    expect(other.fields[1].config.displayNameFromDS).toBe('{{device}} {{kind}} (x) {{nope}}');
  });

  it('default names under a wildcard: the field and the pattern labels', () => {
    const { frames } = mapHistory([msg('sensors/a/temp', '1')], { format: 'number', timeSource: 'arrival', topicPattern: 'sensors/{device}/+' }, { topicFilter: 'sensors/+/temp' });
    expect(frames[0].fields[1].config?.displayNameFromDS).toBe('temp a');
  });

  it(`maps at most ${MAPPING_LIMITS.maxSeries} topics and says how many messages it dropped`, () => {
    const many = Array.from({ length: MAPPING_LIMITS.maxSeries + 3 }, (_, i) => msg(`t/${i}`, '1'));
    const result = mapHistory(many, { format: 'number', timeSource: 'arrival' });
    expect(result.frames).toHaveLength(MAPPING_LIMITS.maxSeries);
    expect(result.droppedSeries).toBe(3);
    expect(notices(result.frames[0])[0]).toMatch(/more than 500 topics: 3 messages/);
  });

  it('frames survive our Arrow encoding (what QueryData sends)', () => {
    const { frames } = mapHistory([msg('t', { n: 1, s: 'a', b: true }, T0), msg('t', { n: null, s: null, b: null }, T0 + 1)], json);
    const back = frameFromArrow(frameToArrow(checkFrame(frames[0])));
    expect(back.fields.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['time', 'time', undefined],
      ['n', 'float64', true],
      ['s', 'string', true],
      ['b', 'bool', true],
    ]);
    expect(back.fields[1].labels).toEqual({ topic: 't' });
  });
});
