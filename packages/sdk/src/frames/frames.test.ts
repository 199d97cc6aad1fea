/**
 * Behaviour of the frame model, validation and both encoders beyond the golden files: bad frames are
 * clear errors, Go's JSON conventions hold for edge values, and the Arrow writer's schema cache never
 * mixes two frames up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import {
  FrameError,
  boolField,
  enumField,
  field,
  frame,
  frameFromArrow,
  frameToArrow,
  frameToJSON,
  frameToJSONBytes,
  jsonField,
  numberField,
  stringField,
  timeField,
  timesFromMillis,
  checkFrame,
  isCheckedFrame,
  type CheckedFrame,
  type Frame,
} from './index';
import { encodeFrame } from '../wire/convert/frame';

const expectFrameError = (fn: () => unknown, message: RegExp) => {
  expect(fn).toThrow(FrameError);
  expect(fn).toThrow(message);
};

describe('checkFrame', () => {
  it('accepts a well-formed frame of every builder', () => {
    const f = frame({
      fields: [
        timeField('t', [1, 2]),
        numberField('n', [1, null]),
        stringField('s', ['a', null]),
        boolField('b', [true, null]),
        jsonField('j', [{ a: 1 }, null]),
        enumField('e', [0, 1], ['off', 'on']),
      ],
    });
    expect(() => checkFrame(f)).not.toThrow();
  });

  it('names the field and both lengths when fields differ in length', () => {
    const f = frame({ fields: [numberField('a', [1, 2, 3]), numberField('b', [1, 2])] });
    expectFrameError(() => checkFrame(f), /field 1 \("b"\): has 2 values but the frame's first field has 3/);
    // Neither encoder produces bytes for it.
    expectFrameError(() => frameToArrow(checkFrame(f)), /same length/);
    expectFrameError(() => frameToJSON(checkFrame(f)), /same length/);
  });

  it('rejects a column whose class does not match its type', () => {
    const f = { fields: [{ name: 'v', type: 'float64', values: [1, 2] }] } as unknown as Frame;
    expectFrameError(() => checkFrame(f), /a float64 field needs its values in a Float64Array, got an Array/);
    const g = { fields: [{ name: 't', type: 'time', values: new Float64Array(2) }] } as unknown as Frame;
    expectFrameError(() => checkFrame(g), /a time field needs its values in a BigInt64Array, got a Float64Array/);
  });

  it('rejects unknown types, bad validity arrays, bad labels, invalid JSON and out-of-range enums', () => {
    expectFrameError(() => checkFrame({ fields: [{ name: 'x', type: 'decimal', values: [] }] } as unknown as Frame), /unknown type "decimal"/);
    expectFrameError(
      () => checkFrame(frame({ fields: [field('v', 'float64', new Float64Array(3), { valid: new Uint8Array(2) })] })),
      /valid has 2 entries but the field has 3 rows/,
    );
    expectFrameError(
      () => checkFrame({ fields: [{ name: 'v', type: 'float64', values: new Float64Array(1), valid: new Uint8Array(1) }] }),
      /has a validity bitmap \(valid\) but is not nullable/,
    );
    expectFrameError(
      () => checkFrame(frame({ fields: [numberField('v', [1], { labels: { host: 3 as unknown as string } })] })),
      /label "host" must be a string/,
    );
    expectFrameError(() => checkFrame(frame({ fields: [field('j', 'json', ['{"a":'])] })), /row 0 is not valid JSON/);
    expectFrameError(() => checkFrame(frame({ fields: [enumField('e', [0, 2], ['a', 'b'])] })), /row 1 has enum index 2 but config.type.enum.text has only 2 entries/);
    expectFrameError(() => checkFrame(frame({ fields: [field('s', 'string', ['a', null as unknown as string])] })), /row 1 must be a string, got null \(make the field nullable/);
  });

  it('checks a frame once: the encoders take only checked frames, and a checked frame is not checked again', () => {
    const plain = frame({ fields: [numberField('v', [1, 2])] });
    // A cast or a JavaScript caller cannot skip the check.
    expectFrameError(() => frameToArrow(plain as CheckedFrame), /frameToArrow takes a checked frame: pass the frame through checkFrame\(\) first/);
    expectFrameError(() => frameToJSON(plain as CheckedFrame), /frameToJSON takes a checked frame/);
    expectFrameError(() => frameToJSONBytes(plain as CheckedFrame, 'data'), /frameToJSON takes a checked frame/);
    const checked = checkFrame(plain);
    expect(isCheckedFrame(plain)).toBe(false);
    expect(isCheckedFrame(checked)).toBe(true);
    expect(checkFrame(checked)).toBe(checked);
    // A spread copy may have been changed: it is a plain frame again.
    expect(isCheckedFrame({ ...checked })).toBe(false);
    expect(frameToJSON(checked, 'data')).toBe('{"data":{"values":[[1,2]]}}');
  });

  it('keeps the checked field list: fields added to the original frame later do not reach the encoder', () => {
    const plain = frame({ name: 'n', fields: [numberField('v', [1, 2])] });
    const checked = checkFrame(plain);
    plain.fields.push(numberField('w', [1, 2, 3]));
    plain.name = 'changed';
    expect(frameToJSON(checked)).toBe(
      '{"schema":{"name":"n","fields":[{"name":"v","type":"number","typeInfo":{"frame":"float64"}}]},"data":{"values":[[1,2]]}}',
    );
    expectFrameError(() => checkFrame(plain), /field 1 \("w"\): has 3 values but the frame's first field has 2/);
  });

  it('is done by the SDK where a handler hands over a frame, which also fills in the query refId', () => {
    const plain = frame({ fields: [numberField('v', [1, 2])] });
    expect(frameFromArrow(encodeFrame(plain, 'B', 'ARROW')).refId).toBe('B');
    expect(JSON.parse(Buffer.from(encodeFrame(plain, 'B', 'JSON')).toString('utf8')).schema.refId).toBe('B');
    // A checked frame keeps its own refId, gets the query's when it has none, and is not changed.
    const checked = checkFrame(plain);
    expect(frameFromArrow(encodeFrame(checked, 'C', 'ARROW')).refId).toBe('C');
    expect(checked.refId).toBeUndefined();
    expect(frameFromArrow(encodeFrame(checkFrame({ ...plain, refId: 'own' }), 'C', 'ARROW')).refId).toBe('own');
    expectFrameError(() => encodeFrame(frame({ fields: [numberField('a', [1]), numberField('b', [])] }), 'B', 'ARROW'), /same length/);
    expectFrameError(() => encodeFrame(null as unknown as Frame, 'B', 'JSON'), /frame must be an object/);
  });

  it('rejects an unknown JSON include mode', () => {
    expectFrameError(() => frameToJSON(checkFrame(frame({ fields: [] })), 'everything' as never), /unknown frame JSON include mode "everything"/);
  });
});

describe('frame JSON (Go FrameToJSON conventions)', () => {
  const parse = (f: Frame, include: 'all' | 'schema' | 'data' = 'all') => JSON.parse(frameToJSON(checkFrame(f), include));

  it('writes an empty frame the way Go does', () => {
    expect(frameToJSON(checkFrame(frame({ fields: [] })))).toBe('{"schema":{"fields":[]},"data":{"values":[]}}');
    expect(frameToJSON(checkFrame(frame({ fields: [numberField('v', [])] })), 'data')).toBe('{"data":{"values":[[]]}}');
  });

  it('writes -0 and tiny floats with Go digits, float32 in float32 digits', () => {
    const f = frame({
      fields: [
        numberField('a', Float64Array.from([-0, 1e-7, -2.5e-9, 0.1, 1e21])),
        field('b', 'float32', Float32Array.from([0.1, 16777217, 1e-7, -0, 3.4e38])),
      ],
    });
    expect(frameToJSON(checkFrame(f), 'data')).toBe('{"data":{"values":[[-0,1e-07,-2.5e-09,0.1,1e+21],[0.1,16777216,1e-07,-0,3.4e+38]]}}');
  });

  it('keeps int64 and uint64 beyond 2^53 exact', () => {
    const f = frame({
      fields: [
        field('i', 'int64', BigInt64Array.from([2n ** 53n + 1n, -(2n ** 63n)])),
        field('u', 'uint64', BigUint64Array.from([2n ** 64n - 1n, 0n]), { nullable: true, valid: Uint8Array.from([1, 0]) }),
      ],
    });
    expect(frameToJSON(checkFrame(f), 'data')).toBe('{"data":{"values":[[9007199254740993,-9223372036854775808],[18446744073709551615,null]]}}');
  });

  it('writes times as floored epoch ms plus nanos, exactly like integer division on the nanoseconds', () => {
    const samples = [0n, 1n, -1n, 999_999n, -1_000_000n, -1_000_001n, 2n ** 63n - 1n, -(2n ** 63n), 1_700_000_000_123_456_789n];
    for (let i = 0; i < 2000; i++) samples.push(BigInt.asIntN(64, BigInt(Math.floor(Math.random() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(Math.random() * 2 ** 32))));
    const json = parse(frame({ fields: [field('t', 'time', BigInt64Array.from(samples))] }), 'data');
    const floorDiv = (n: bigint) => (n >= 0n || n % 1_000_000n === 0n ? n / 1_000_000n : n / 1_000_000n - 1n);
    const mismatches = samples.filter((ns, i) => {
      const ms = floorDiv(ns);
      const nanos = Number(ns - ms * 1_000_000n);
      return json.data.values[0][i] !== Number(ms) || (json.data.nanos?.[0]?.[i] ?? 0) !== nanos;
    });
    expect(mismatches).toEqual([]);
  });

  it('omits nanos when every time is whole milliseconds, and writes null times as null', () => {
    const f = frame({ fields: [field('t', 'time', timesFromMillis([5, 6, 7]), { nullable: true, valid: Uint8Array.from([1, 0, 1]) })] });
    expect(frameToJSON(checkFrame(f), 'data')).toBe('{"data":{"values":[[5,null,7]]}}');
  });

  it('lists NaN/Inf/-Inf in entities in NaN, Inf, NegInf order, nulls apart', () => {
    const f = frame({ fields: [numberField('v', [-Infinity, null, NaN, 1, Infinity, NaN]), numberField('w', [1, 2, 3, 4, 5, 6])] });
    expect(parse(f, 'data')).toEqual({
      data: {
        values: [
          [null, null, null, 1, null, null],
          [1, 2, 3, 4, 5, 6],
        ],
        entities: [{ NaN: [2, 5], Inf: [4], NegInf: [0] }, null],
      },
    });
  });

  it('writes meta in Go key order with typeVersion and notice severity filled in', () => {
    const f = frame({
      meta: {
        executedQueryString: 'a < b && c > d',
        notices: [{ text: 'hello' }],
        custom: { zeta: 1, alpha: { y: 2, x: 1 } },
        channel: 'ds/uid/path',
        type: 'timeseries-wide',
      },
      fields: [],
    });
    expect(frameToJSON(checkFrame(f), 'schema')).toBe(
      '{"schema":{"meta":{"type":"timeseries-wide","typeVersion":[0,0],"custom":{"alpha":{"x":1,"y":2},"zeta":1},' +
        '"notices":[{"severity":"info","text":"hello"}],"channel":"ds/uid/path",' +
        '"executedQueryString":"a \\u003c b \\u0026\\u0026 c \\u003e d"},"fields":[]}}',
    );
  });

  it('writes typeInfo, sorted labels and config only when set, in the field key order', () => {
    const f = frame({
      fields: [
        numberField('v', [1], { labels: { zone: 'b<', host: 'a' }, config: { unit: 'ms', displayName: 'A<B' } }),
        field('n', 'int32', Int32Array.from([1]), { nullable: true }),
        numberField('', [1], { labels: {}, config: {} }),
      ],
    });
    expect(parse(f, 'schema').schema.fields).toEqual([
      { name: 'v', type: 'number', typeInfo: { frame: 'float64' }, labels: { host: 'a', zone: 'b<' }, config: { displayName: 'A<B', unit: 'ms' } },
      { name: 'n', type: 'number', typeInfo: { frame: 'int32', nullable: true } },
      { type: 'number', typeInfo: { frame: 'float64' }, labels: {}, config: {} },
    ]);
    // As Go SDK v0.299.0 writes them: labels (their own MarshalJSON) unescaped, config HTML-escaped.
    expect(frameToJSON(checkFrame(f), 'schema')).toContain('"labels":{"host":"a","zone":"b<"},"config":{"displayName":"A\\u003cB","unit":"ms"}');
    // Inside Arrow metadata encoding/json escapes both.
    const md = tableFromIPC(frameToArrow(checkFrame(f))).schema.fields[0].metadata;
    expect(md.get('labels')).toBe('{"host":"a","zone":"b\\u003c"}');
    expect(md.get('config')).toBe('{"displayName":"A\\u003cB","unit":"ms"}');
  });

  it('embeds JSON cells raw and writes an empty or "null" cell as null', () => {
    const f = frame({ fields: [field('j', 'json', ['{"a":[1,2]}', 'null', '', '"x"'])] });
    expect(frameToJSON(checkFrame(f), 'data')).toBe('{"data":{"values":[[{"a":[1,2]},null,null,"x"]]}}');
  });

  it('frameToJSONBytes is the UTF-8 of frameToJSON', () => {
    const f = frame({ name: 'ünïcødé 🦥', fields: [stringField('s', ['❤️'])] });
    expect(frameToJSONBytes(checkFrame(f)).toString('utf8')).toBe(frameToJSON(checkFrame(f)));
  });
});

describe('Arrow writer', () => {
  const read = (f: Frame) => tableFromIPC(frameToArrow(checkFrame(f)));

  it('marks a nullable field nullable even without nulls, and writes nulls in the validity bitmap', () => {
    const t = read(frame({ fields: [field('a', 'int16', Int16Array.from([1, 2]), { nullable: true }), numberField('b', [1, null, 3].slice(0, 2))] }));
    expect(t.schema.fields.map((f) => f.nullable)).toEqual([true, true]);
    expect(t.getChild('a')!.nullCount).toBe(0);
    expect([...t.getChild('b')!]).toEqual([1, null]);
  });

  it('writes strings as plain Utf8 (never dictionary), bools as bits, JSON as Binary, enums as UInt16 + tstype', () => {
    const t = read(
      frame({
        fields: [
          stringField('s', ['x', null, 'z', 'x']),
          boolField('b', [true, false, null, true]),
          jsonField('j', [1, null, { a: 'é' }, []]),
          enumField('e', [0, 1, 1, 0], ['a', 'b']),
        ],
      }),
    );
    expect(t.schema.fields.map((f) => `${f.type}:${f.nullable}:${f.metadata.get('tstype')}`)).toEqual([
      'Utf8:true:string',
      'Bool:true:boolean',
      'Binary:true:other',
      'Uint16:false:enum',
    ]);
    expect([...t.getChild('s')!]).toEqual(['x', null, 'z', 'x']);
    expect([...t.getChild('b')!]).toEqual([true, false, null, true]);
    expect([...t.getChild('j')!].map((v) => (v ? Buffer.from(v as Uint8Array).toString() : v))).toEqual(['1', null, '{"a":"é"}', '[]']);
    expect([...t.getChild('e')!]).toEqual([0, 1, 1, 0]);
    expect(JSON.parse(t.schema.fields[3].metadata.get('config')!)).toEqual({ type: { enum: { text: ['a', 'b'] } } });
  });

  it('encodes frames with no rows and with no fields', () => {
    const empty = read(frame({ name: 'e', fields: [numberField('v', [])] }));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields[0].name).toBe('v');
    const none = read(frame({ refId: 'Z', fields: [] }));
    expect([...none.schema.metadata.entries()].sort()).toEqual([
      ['name', ''],
      ['refId', 'Z'],
    ]);
  });

  it('never mixes frames up across its schema cache', () => {
    const a = frame({ name: 'same', fields: [numberField('v', [1, 2, 3])] });
    const b = frame({ name: 'same', fields: [numberField('v', [7])] });
    const c = frame({ name: 'other', fields: [numberField('v', [9, 8])] });
    const d = frame({ name: 'same', fields: [numberField('v', [5], { labels: { k: 'v' } })] });
    for (let round = 0; round < 2; round++) {
      expect([...tableFromIPC(frameToArrow(checkFrame(a))).getChild('v')!]).toEqual([1, 2, 3]);
      expect([...tableFromIPC(frameToArrow(checkFrame(b))).getChild('v')!]).toEqual([7]);
      const tc = tableFromIPC(frameToArrow(checkFrame(c)));
      expect(tc.schema.metadata.get('name')).toBe('other');
      expect([...tc.getChild('v')!]).toEqual([9, 8]);
      expect(tableFromIPC(frameToArrow(checkFrame(d))).schema.fields[0].metadata.get('labels')).toBe('{"k":"v"}');
    }
  });

  it('round-trips a frame through frameFromArrow unchanged', () => {
    const original = frame({
      name: 'rt',
      refId: 'A',
      meta: { typeVersion: [0, 1], type: 'timeseries-multi', channel: 'ds/u/p' },
      fields: [timeField('time', [1000, 2000.5]), numberField('v', [1.5, null], { labels: { a: 'b' } }), stringField('s', ['x', 'y'])],
    });
    const back = frameFromArrow(frameToArrow(checkFrame(original)));
    expect(frameToJSON(back)).toBe(frameToJSON(checkFrame(original)));
  });

  it('writes the same bytes every time (every padding byte is set)', () => {
    const f = frame({ name: 'odd', fields: [stringField('s', ['a', 'bcd', null]), boolField('b', [true, false, true]), field('i', 'int8', Int8Array.from([1, 2, 3]))] });
    const first = Buffer.from(frameToArrow(checkFrame(f)));
    for (let i = 0; i < 20; i++) {
      Buffer.allocUnsafe(1000).fill(0xab); // dirty the allocator's pool between encodes
      expect(Buffer.compare(Buffer.from(frameToArrow(checkFrame(f))), first)).toBe(0);
    }
  });

  it('refuses bytes that are not an Arrow file with a FrameError', () => {
    expectFrameError(() => frameFromArrow(Buffer.from('{"schema":{}}')), /not an Arrow IPC file/);
  });
});

describe('timesFromMillis', () => {
  it('matches BigInt arithmetic for whole, fractional and negative milliseconds', () => {
    const ms = [0, 1, -1, 1.5, -1.5, 1_700_000_000_123.25, -1_700_000_000_123.75, 9.2e12, -9.2e12];
    for (let i = 0; i < 2000; i++) ms.push(Math.round((Math.random() - 0.5) * 1.8e13) + Math.round(Math.random() * 1000) / 1000);
    const expected = ms.map((m) => {
      const whole = Math.floor(m);
      return BigInt(whole) * 1_000_000n + BigInt(Math.round((m - whole) * 1e6));
    });
    expect(Array.from(timesFromMillis(ms))).toEqual(expected);
  });

  it('refuses values that are not times', () => {
    expect(() => timesFromMillis([NaN])).toThrow(/row 0/);
    expect(() => timesFromMillis([1e16])).toThrow(RangeError);
  });
});

/** The frame behind testdata/go-sdk-v0.299.0-mixed.* (see testdata/README.md): escapes, nulls, nanos, -0, 1e-07, float32, uint64, config. */
function mixedFrame(): Frame {
  const times = BigInt64Array.from([1700000000123456789n, -1n, 0n]);
  return frame({
    name: 'mixed <&>',
    refId: 'B',
    meta: {
      type: 'timeseries-multi',
      typeVersion: [0, 1],
      channel: 'ds/u/p',
      notices: [{ severity: 'warning', text: 'a<b', link: 'x' }],
      custom: { z: 1, a: [1, 2] },
      executedQueryString: 'q',
    },
    fields: [
      field('t', 'time', times, { nullable: true, valid: Uint8Array.from([1, 1, 0]) }),
      numberField('v <x>', [NaN, -0, 1e-7], {
        labels: { b: '2<', a: '1' },
        config: {
          unit: 'ms',
          displayName: 'd<',
          min: 0.00001,
          max: 1e6,
          interval: 1e21,
          decimals: 1,
          custom: { q: 1 },
          thresholds: {
            mode: 'absolute',
            steps: [
              { value: -Infinity, color: 'green' },
              { value: 80, color: 'red' },
              { value: 1234567, color: 'blue' },
            ],
          },
          mappings: [
            { type: 'value', options: { b: { text: 'B', index: 1 }, a: { text: 'A', color: 'red', index: 0 } } },
            { type: 'range', options: { from: 1, to: 2, result: { text: 'R' } } },
          ],
        },
      }),
      stringField('s', ['x<', null, '🦥']),
      boolField('b', [true, null, false]),
      jsonField('j', [{ a: '<' }, null, [1]]),
      enumField('e', [0, 1, 0], ['off', 'on']),
      field('f', 'float32', Float32Array.from([0.1, Infinity, 2.5])),
      field('u', 'uint64', BigUint64Array.from([2n ** 64n - 1n, 0n, 5n])),
    ],
  });
}

describe('against output of the Go plugin SDK v0.299.0 (testdata/)', () => {
  const testdata = path.join(__dirname, 'testdata');

  it('our frame JSON is byte-identical to the Go SDK FrameToJSON of the same frame', () => {
    const goJSON = fs.readFileSync(path.join(testdata, 'go-sdk-v0.299.0-mixed.json'), 'utf8').trim();
    expect(frameToJSON(checkFrame(mixedFrame()))).toBe(goJSON);
  });

  it("our Arrow file reads back with the same schema, metadata, values and nulls as the Go SDK's", () => {
    const ours = tableFromIPC(frameToArrow(checkFrame(mixedFrame())));
    const go = tableFromIPC(fs.readFileSync(path.join(testdata, 'go-sdk-v0.299.0-mixed.arrow')));
    const describeTable = (t: Table) => ({
      metadata: [...t.schema.metadata.entries()].sort(),
      fields: t.schema.fields.map((f, i) => ({
        name: f.name,
        type: String(f.type),
        nullable: f.nullable,
        metadata: [...f.metadata.entries()].sort(),
        values: Array.from({ length: t.numRows }, (_, r) => {
          const column = t.getChildAt(i)!;
          if (!column.isValid(r)) return 'null';
          const v = column.get(r);
          return v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString()}` : Object.is(v, -0) ? '-0' : `${typeof v}:${String(v)}`;
        }),
      })),
    });
    expect(describeTable(ours)).toEqual(describeTable(go));
  });
});
