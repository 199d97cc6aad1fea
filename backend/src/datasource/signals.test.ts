import type { SignalParams } from '../../../src/shared/query';
import { ANCHOR_SPAN, WalkCursor } from './randomWalk';
import { SignalGenerator } from './signals';

const NOW_STEP = Math.floor(1_764_000_000_000 / 100); // around "now" at 100 ms

function params(overrides: Partial<SignalParams> = {}): SignalParams {
  return { signal: 'random-walk', seriesCount: 3, sampleIntervalMs: 100, amplitude: 1, offset: 0, periodMs: 10_000, ...overrides };
}

describe('random walk', () => {
  it('gives bit-identical values whatever order the steps are asked in', () => {
    const sequential = new WalkCursor(123);
    const forward = Array.from({ length: 5000 }, (_, i) => sequential.valueAt(NOW_STEP + i));
    const scattered = new WalkCursor(123);
    const order = [...forward.keys()].sort((a, b) => ((a * 7919) % 5000) - ((b * 7919) % 5000));
    for (const i of order) {
      expect(scattered.valueAt(NOW_STEP + i)).toBe(forward[i]);
    }
    // and across anchor boundaries
    const edge = Math.ceil(NOW_STEP / ANCHOR_SPAN) * ANCHOR_SPAN;
    const a = new WalkCursor(5);
    const b = new WalkCursor(5);
    const across = Array.from({ length: 20 }, (_, i) => a.valueAt(edge - 10 + i));
    expect(across.map((_, i) => b.valueAt(edge + 9 - i)).reverse()).toEqual(across);
  });

  it('has independent unit-variance steps, like a random walk', () => {
    const cursor = new WalkCursor(99);
    const n = 200_000;
    const values = Array.from({ length: n + 1 }, (_, i) => cursor.valueAt(NOW_STEP + i));
    const steps = values.slice(1).map((v, i) => v - values[i]);
    const mean = steps.reduce((s, x) => s + x, 0) / n;
    const variance = steps.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    // consecutive steps are uncorrelated, and displacement grows like sqrt(distance)
    const lag1 = steps.slice(1).reduce((s, x, i) => s + (x - mean) * (steps[i] - mean), 0) / (n - 1) / variance;
    expect(Math.abs(lag1)).toBeLessThan(0.02);
    const d = 64;
    let sq = 0;
    for (let i = 0; i + d <= n; i += d) sq += (values[i + d] - values[i]) ** 2;
    const perStep = sq / Math.floor(n / d) / d;
    expect(perStep).toBeGreaterThan(0.8);
    expect(perStep).toBeLessThan(1.2);
  });
});

describe('SignalGenerator', () => {
  it('depends only on uid, parameters, series and step', () => {
    const a = new SignalGenerator(params(), 'uid-a').columns(NOW_STEP, 100);
    const again = new SignalGenerator(params(), 'uid-a').columns(NOW_STEP + 50, 50);
    expect(again.map((c) => Array.from(c))).toEqual(a.map((c) => Array.from(c.subarray(50))));
    const otherUid = new SignalGenerator(params(), 'uid-b').columns(NOW_STEP, 100);
    expect(otherUid[0]).not.toEqual(a[0]);
    expect(a[1]).not.toEqual(a[0]); // series differ
  });

  it('scales the walk by amplitude around offset', () => {
    const unit = new SignalGenerator(params(), 'u').columns(NOW_STEP, 10)[0];
    const scaled = new SignalGenerator(params({ amplitude: 3, offset: 100 }), 'u').columns(NOW_STEP, 10)[0];
    unit.forEach((v, i) => expect(scaled[i]).toBeCloseTo(100 + 3 * v, 9));
  });

  it('draws the periodic signals with the given period, amplitude and per-series phase', () => {
    const p = params({ sampleIntervalMs: 250, periodMs: 1000, amplitude: 2, offset: 5, seriesCount: 2 });
    const first = Math.floor(1_764_000_000_000 / 250); // a multiple of 4 steps: phase 0
    const sine = new SignalGenerator({ ...p, signal: 'sine' }, 'u').columns(first, 4);
    expect(Array.from(sine[0]).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([5, 7, 5, 3]);
    expect(Array.from(sine[1]).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([5, 3, 5, 7]); // half a period later
    const square = new SignalGenerator({ ...p, signal: 'square' }, 'u').columns(first, 4);
    expect(Array.from(square[0])).toEqual([7, 7, 3, 3]);
    const saw = new SignalGenerator({ ...p, signal: 'sawtooth' }, 'u').columns(first, 4);
    expect(Array.from(saw[0])).toEqual([3, 4, 5, 6]);
  });

  it('counts up by amplitude × series number per sample', () => {
    const counter = new SignalGenerator(params({ signal: 'counter', amplitude: 2, offset: 1, seriesCount: 2 }), 'u').columns(10, 3);
    expect(Array.from(counter[0])).toEqual([21, 23, 25]);
    expect(Array.from(counter[1])).toEqual([41, 45, 49]);
  });
});
