/**
 * Number -> JSON text as the Go SDK writes it, at the edges: negative zero, tiny and huge magnitudes,
 * NaN/±Inf, float32 digits, config numbers (`%v`) and int64 digits beyond 2^53. The expected texts are
 * Go's output (the same conventions the golden files pin for whole frames).
 */
import { float64JSON, floatEntity, goConfFloat, goFloat, goFloat32, int64JSON, needsGoDigits, printsAsGo } from './number-format';

describe('goFloat / float64JSON', () => {
  it('writes Go digits: -0 keeps its sign, exponents below 1e-6 get two digits', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '-0'],
      [1e-7, '1e-07'],
      [-2.5e-9, '-2.5e-09'],
      [1e-6, '0.000001'],
      [5e-324, '5e-324'],
      [1e21, '1e+21'],
      [0.1, '0.1'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [-Number.MAX_VALUE, '-1.7976931348623157e+308'],
    ];
    expect(cases.map(([v]) => goFloat(v))).toEqual(cases.map(([, text]) => text));
    expect(cases.map(([v]) => float64JSON(v))).toEqual(cases.map(([, text]) => text));
  });

  it('writes NaN and ±Inf as null, and names their entity list', () => {
    expect([Number.NaN, Infinity, -Infinity].map(float64JSON)).toEqual(['null', 'null', 'null']);
    expect([Number.NaN, Infinity, -Infinity].map(floatEntity)).toEqual(['NaN', 'Inf', 'NegInf']);
  });
});

describe('printsAsGo / needsGoDigits', () => {
  it('is true only where JSON.stringify already writes the Go text, and false for NaN/±Inf', () => {
    const samples = [0, -0, 1e-7, -1e-7, 1e-6, -1e-6, 9.99e-7, 5e-324, 0.5, -3, 1e21, 1.5e300, Number.NaN, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) samples.push((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20));
    const wrong = samples.filter((v) => printsAsGo(v) && JSON.stringify(v) !== goFloat(v));
    expect(wrong).toEqual([]);
    expect([Number.NaN, Infinity, -Infinity].some(printsAsGo)).toBe(false);
  });

  it('sends only finite -0 and 0 < |v| < 1e-6 to the Go formatter', () => {
    expect([-0, 1e-7, -1e-300].map(needsGoDigits)).toEqual([true, true, true]);
    expect([0, 1e-6, -1e-6, 1, Number.NaN, Infinity].map(needsGoDigits)).toEqual([false, false, false, false, false, false]);
  });
});

describe('goFloat32', () => {
  it('writes the shortest digits that read back as the same float32', () => {
    const cases: [number, string][] = [
      [Math.fround(0.1), '0.1'],
      [Math.fround(16777217), '16777216'],
      [Math.fround(1e-7), '1e-07'],
      [Math.fround(3.4028234663852886e38), '3.4028235e+38'],
      [-0, '-0'],
    ];
    expect(cases.map(([v]) => goFloat32(v))).toEqual(cases.map(([, text]) => text));
  });
});

describe('goConfFloat (Go %v for config numbers)', () => {
  it('uses an exponent below 1e-4 and from 1e6 on, null for non-numbers and NaN/±Inf', () => {
    const cases: [unknown, string][] = [
      [1e6, '1e+06'],
      [999999.5, '999999.5'],
      [1.5e-5, '1.5e-05'],
      [0.0001, '0.0001'],
      [-0, '-0'],
      [250, '250'],
      [1e21, '1e+21'],
      [Number.NaN, 'null'],
      [-Infinity, 'null'],
      ['5', 'null'],
      [null, 'null'],
    ];
    expect(cases.map(([v]) => goConfFloat(v))).toEqual(cases.map(([, text]) => text));
  });
});

describe('int64JSON', () => {
  it('writes every digit beyond 2^53, like the column fast path', () => {
    const values = [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 0n];
    expect(values.map(int64JSON)).toEqual(['9007199254740993', '9223372036854775807', '-9223372036854775808', '0']);
    expect(BigInt64Array.from(values).join(',')).toBe(values.map(int64JSON).join(','));
    expect(int64JSON(2n ** 64n - 1n)).toBe('18446744073709551615');
  });
});
