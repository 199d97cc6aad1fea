/**
 * Conformance with the Go SDK's golden files in testdata/sdk-golden/, written by our Go program
 * testdata/go-sdk-check/write-golden with grafana-plugin-sdk-go (see testdata/README.md): the
 * all-types frame built here in TypeScript must encode to Arrow that reads back exactly like the Go
 * SDK's file, and to frame JSON byte-identical to the Go SDK's; every Arrow payload in the
 * DataResponse fixtures must survive decode -> our encoder -> decode unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { checkFrame, enumField, field, frame, frameFromArrow, frameToArrow, frameToJSON, numberField, stringField, type Frame } from './index';

const goldenDir = path.join(__dirname, 'testdata', 'sdk-golden');

const readGolden = (name: string) => fs.readFileSync(path.join(goldenDir, name));

// ---------------------------------------------------------------- the all-types frame, built in TS

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const SAFE = 2 ** 53 - 1; // JS Number.MAX_SAFE_INTEGER, the "JS Min/Max" rows
const F32_MIN = Math.fround(1.401298464324817e-45); // smallest positive float32 (denormal)
const F32_MAX = Math.fround(3.4028234663852886e38);

/** Five rows, the third (index 2) null; nullable columns carry a validity array. */
const third = () => Uint8Array.from([1, 1, 0, 1, 1]);
const nullableOpts = (extra: object = {}) => ({ nullable: true, valid: third(), ...extra });
const ms = (n: number) => BigInt(n) * 1_000_000n;

function allTypesFrame(): Frame {
  const times = BigInt64Array.from([0n, ms(1568039445000), ms(1568039450000), BigInt(SAFE), I64_MAX]);
  return frame({
    name: 'many_types',
    refId: 'A',
    meta: {
      typeVersion: [0, 0],
      custom: { Hi: 'there' },
      stats: [{ displayName: 'sample', value: 1.234 }],
      channel: 'sample/channel/name',
      executedQueryString: 'SELECT * FROM table',
    },
    fields: [
      stringField('string_values', ['Go Min', 'JS Min (for >= 64)', '0 / nil / misc', 'JS Max (for >= 64)', 'Go Max'], {
        labels: { aLabelKey: 'aLabelValue' },
        config: {},
      }),
      stringField('nullable_string_values', ['Grafana', '❤️', null, '🦥', 'update your unicode/font if no sloth, is 2019.'], {
        labels: { bLabelKey: 'bLabelValue', aLabelKey: 'aLabelValue' }, // given unsorted on purpose
        config: {
          noValue: '😤', // given out of Go's key order on purpose
          displayName: 'Grafana ❤️ (Previous should be heart emoji) 🦥 (Previous should be sloth emoji)',
          filterable: false,
          decimals: 2,
          min: NaN,
          max: Infinity,
          links: [{ url: 'https://slothconservation.com/how-to-help/donate/', title: 'Donate - The Sloth Conservation Foundation', targetBlank: true }],
        },
      }),
      field('int8_values', 'int8', Int8Array.from([-128, -128, 0, 127, 127]), { config: { min: 0, max: 1 } }),
      field('nullable_int8_values', 'int8', Int8Array.from([-128, -128, 0, 127, 127]), nullableOpts()),
      field('int16_values', 'int16', Int16Array.from([-32768, -32768, 0, 32767, 32767])),
      field('nullable_int16_values', 'int16', Int16Array.from([-32768, -32768, 0, 32767, 32767]), nullableOpts()),
      field('int32_values', 'int32', Int32Array.from([-(2 ** 31), -(2 ** 31), 1, 2 ** 31 - 1, 2 ** 31 - 1])),
      field('nullable_int32_values', 'int32', Int32Array.from([-(2 ** 31), -(2 ** 31), 0, 2 ** 31 - 1, 2 ** 31 - 1]), nullableOpts()),
      field('int64_values', 'int64', BigInt64Array.from([I64_MIN, -BigInt(SAFE), 1n, BigInt(SAFE), I64_MAX])),
      field('nullable_int64_values', 'int64', BigInt64Array.from([I64_MIN, -BigInt(SAFE), 0n, BigInt(SAFE), I64_MAX]), nullableOpts()),
      field('uint8_values', 'uint8', Uint8Array.from([0, 0, 1, 255, 255])),
      field('nullable_uint8_values', 'uint8', Uint8Array.from([0, 0, 0, 255, 255]), nullableOpts()),
      field('uint16_values', 'uint16', Uint16Array.from([0, 0, 1, 65535, 65535])),
      field('nullable_uint16_values', 'uint16', Uint16Array.from([0, 0, 0, 65535, 65535]), nullableOpts()),
      field('uint32_values', 'uint32', Uint32Array.from([0, 0, 1, 2 ** 32 - 1, 2 ** 32 - 1])),
      field('nullable_uint32_values', 'uint32', Uint32Array.from([0, 0, 0, 2 ** 32 - 1, 2 ** 32 - 1]), nullableOpts()),
      field('uint64_values', 'uint64', BigUint64Array.from([0n, 0n, 1n, BigInt(SAFE), 2n ** 64n - 1n])),
      field('nullable_uint64_values', 'uint64', BigUint64Array.from([0n, 0n, 0n, BigInt(SAFE), 2n ** 64n - 1n]), nullableOpts()),
      field('float32_values', 'float32', Float32Array.from([F32_MIN, F32_MIN, 1, F32_MAX, F32_MAX])),
      field('nullable_float32_values', 'float32', Float32Array.from([F32_MIN, F32_MIN, 0, F32_MAX, F32_MAX]), nullableOpts()),
      field('float32_values_nans', 'float32', Float32Array.from([NaN, Infinity, 1, -Infinity, 0])),
      field('nullable_float32_values_nans', 'float32', Float32Array.from([Infinity, NaN, 0, -Infinity, 0]), nullableOpts()),
      numberField('float64_values', Float64Array.from([Number.MIN_VALUE, -SAFE, 1, SAFE, Number.MAX_VALUE])),
      numberField('float64_nans', Float64Array.from([-Infinity, NaN, 0, NaN, Infinity])),
      numberField('nullable_float64_values', [Number.MIN_VALUE, -SAFE, null, Number.MAX_VALUE, SAFE]),
      numberField('nullable_float64_values_nans', [-Infinity, 0, null, NaN, Infinity]),
      field('bool_values', 'bool', Uint8Array.from([1, 0, 1, 1, 0])),
      field('nullable_bool_values', 'bool', Uint8Array.from([1, 0, 0, 1, 0]), nullableOpts()),
      field('timestamps', 'time', times, { config: { interval: 1000 } }),
      field('timestamps', 'time', times.slice()),
      field('nullable_timestamps', 'time', times.slice(), nullableOpts()),
      field('json', 'json', ['{"a":1}', '[1,2,3]', '{"b":2}', '[{"c":3},{"d":4}]', '{"e":{"f":5}}']),
      field('nullable_json', 'json', ['{"a":1}', '[1,2,3]', '', '[{"c":3},{"d":4}]', '{"e":{"f":5}}'], nullableOpts()),
      enumField('enum', [1, 2, 2, 1, 1], ['', 'ONE', 'TWO', 'THREE']),
      field('nullable_enum', 'enum', Uint16Array.from([1, 2, 0, 3, 0]), nullableOpts()),
    ],
  });
}

// ---------------------------------------------------------------- comparing two Arrow files

function cell(table: Table, col: number, row: number): unknown {
  const vector = table.getChildAt(col)!;
  if (!vector.isValid(row)) return null;
  const v = vector.get(row);
  return v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('utf8')}` : v;
}

/** Both files read back with apache-arrow: schema, every metadata entry, every value and null. */
function expectSameArrow(ours: Uint8Array, theirs: Uint8Array): void {
  const a = tableFromIPC(ours);
  const b = tableFromIPC(theirs);
  expect(viewOf(a)).toEqual(viewOf(b));
  expect(a.numRows).toBe(b.numRows);
  for (let col = 0; col < b.numCols; col++) {
    for (let row = 0; row < b.numRows; row++) {
      const [x, y] = [cell(a, col, row), cell(b, col, row)];
      // Object.is: NaN equals NaN, and -0 differs from 0.
      if (!Object.is(x, y)) throw new Error(`field ${col} ("${b.schema.fields[col].name}") row ${row}: ours ${String(x)}, Go SDK ${String(y)}`);
    }
  }
}

interface ArrowView {
  metadata: [string, string][];
  fields: { name: string; type: string; nullable: boolean; metadata: [string, string][] }[];
}

const sortedEntries = (m: Map<string, string>) => [...m.entries()].sort(([x], [y]) => (x < y ? -1 : 1));
function viewOf(t: Table): ArrowView {
  return {
    metadata: sortedEntries(t.schema.metadata),
    fields: t.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable, metadata: sortedEntries(f.metadata) })),
  };
}

const jsoncBody = (name: string) =>
  JSON.parse(
    readGolden(name)
      .toString('utf8')
      .split('\n')
      .filter((l) => !l.startsWith('//'))
      .join('\n'),
  ) as { status: number; frames: unknown[] };

function arrowPayloads(name: string): Buffer[] {
  return readGolden(name)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('FRAME='))
    .map((l) => Buffer.from(l.slice('FRAME='.length), 'base64'));
}

// ---------------------------------------------------------------- tests

describe('Go SDK golden: all_types', () => {
  it('our Arrow file for the all-types frame reads back exactly like all_types.golden.arrow', () => {
    const ours = frameToArrow(checkFrame(allTypesFrame()));
    const golden = readGolden('all_types.golden.arrow');
    expect(Buffer.from(ours.subarray(0, 6)).toString()).toBe('ARROW1');
    expect(Buffer.from(ours.subarray(ours.length - 6)).toString()).toBe('ARROW1');
    expectSameArrow(ours, golden);
    // The metadata strings themselves (meta JSON, config, labels) are byte-identical, not only equivalent.
    const a = tableFromIPC(ours);
    const b = tableFromIPC(golden);
    expect(a.schema.metadata.get('meta')).toBe(b.schema.metadata.get('meta'));
    b.schema.fields.forEach((f, i) => expect(sortedEntries(a.schema.fields[i].metadata)).toEqual(sortedEntries(f.metadata)));
  });

  it('our frame JSON for the all-types frame is byte-identical to all_types.golden.json', () => {
    const ours = frameToJSON(checkFrame(allTypesFrame()), 'all');
    const golden = readGolden('all_types.golden.json').toString('utf8');
    // Bytes, not only parsed values: int64/uint64 digits, float32 and exponent forms, the HTML-safe
    // escapes of "<", ">" and "&" that encoding/json writes, key order and compact layout all agree.
    expect(ours).toBe(golden);
    expect(golden).toContain('3.4028235e+38');
    expect(golden).toContain('\\u003e=');
  });

  it('schema-only and data-only JSON are the two halves of the full JSON', () => {
    const golden = JSON.parse(readGolden('all_types.golden.json').toString('utf8'));
    expect(JSON.parse(frameToJSON(checkFrame(allTypesFrame()), 'schema'))).toEqual({ schema: golden.schema });
    expect(JSON.parse(frameToJSON(checkFrame(allTypesFrame()), 'data'))).toEqual({ data: golden.data });
  });

  it('the golden Arrow file decodes into a frame that re-encodes to the same JSON as the Go SDK', () => {
    const decoded = frameFromArrow(readGolden('all_types.golden.arrow'));
    expect(frameToJSON(decoded)).toBe(readGolden('all_types.golden.json').toString('utf8'));
  });
});

const RESPONSE_FIXTURES = [
  'frame-no-meta.golden.txt',
  'frame-non-custom-meta.golden.txt',
  'frame-empty-custom-meta.golden.txt',
  'frame-custom-meta.golden.txt',
  'frame-json.txt',
  'large.golden.txt',
  'folder.golden.txt',
];

describe('Go SDK golden: DataResponse Arrow payloads (FRAME= lines)', () => {
  it.each(RESPONSE_FIXTURES)('%s: every frame decodes and re-encodes to the same schema, metadata and values', (name) => {
    const payloads = arrowPayloads(name);
    expect(payloads.length).toBeGreaterThan(0);
    for (const payload of payloads) {
      const reencoded = frameToArrow(frameFromArrow(payload));
      expectSameArrow(reencoded, payload);
      // The meta JSON string itself is byte-identical, not only equivalent once parsed.
      expect(tableFromIPC(reencoded).schema.metadata.get('meta')).toBe(tableFromIPC(payload).schema.metadata.get('meta'));
    }
  });
});

const JSON_PAIRS: [jsonc: string, arrow: string][] = [
  ['frame-no-meta.golden.jsonc', 'frame-no-meta.golden.txt'],
  ['frame-non-custom-meta.golden.jsonc', 'frame-non-custom-meta.golden.txt'],
  ['frame-empty-custom-meta.golden.jsonc', 'frame-empty-custom-meta.golden.txt'],
  ['frame-custom-meta.golden.jsonc', 'frame-custom-meta.golden.txt'],
  ['frame-json.jsonc', 'frame-json.txt'],
];

describe('Go SDK golden: DataResponse frame JSON (.jsonc)', () => {
  it.each(JSON_PAIRS)('%s: our JSON for the frames of %s equals the Go SDK JSON', (jsonc, arrow) => {
    const expected = jsoncBody(jsonc).frames;
    const ours = arrowPayloads(arrow).map((p) => JSON.parse(frameToJSON(frameFromArrow(p))));
    expect(ours).toEqual(expected);
  });

  it('single-json-frame.golden.jsonc: a frame built in code', () => {
    const built = frame({ name: 'Frame One', fields: [numberField('Single float64', [8.26, 8.7, 14.82, 10.07, 8.52], { config: { unit: 'Percent' } })] });
    expect([JSON.parse(frameToJSON(checkFrame(built)))]).toEqual(jsoncBody('single-json-frame.golden.jsonc').frames);
  });

  it('single-json-framer.golden.jsonc: two frames built in code', () => {
    const built = [
      frame({ name: 'Frame One', fields: [numberField('A', [1, 2, 3])] }),
      frame({ name: 'Frame Two', fields: [numberField('B', [4])] }),
    ];
    expect(built.map((f) => JSON.parse(frameToJSON(checkFrame(f))))).toEqual(jsoncBody('single-json-framer.golden.jsonc').frames);
  });
});
