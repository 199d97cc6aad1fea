/**
 * A deterministic random walk with random access: W(k) depends only on (seed, k).
 *
 * Construction (Brownian bridge / random midpoint displacement, the classic way to sample Brownian
 * motion at arbitrary points):
 *  - Every ANCHOR_SPAN steps sits an anchor whose value is an independent N(0, ANCHOR_SPAN / 2), so two
 *    neighbouring anchors differ by N(0, ANCHOR_SPAN), exactly like ANCHOR_SPAN unit steps would.
 *  - Between two known points lo < hi (n = hi − lo steps apart) the midpoint is their average plus
 *    N(0, n / 4) — the exact conditional law of a unit-step Brownian motion pinned at both ends.
 *    Recursing down to single steps gives a walk whose increments over any distance d have
 *    variance ≈ d (for d ≪ ANCHOR_SPAN): it looks and behaves like a random walk, yet stays bounded over
 *    long spans because anchors do not accumulate (it reverts on the scale of ANCHOR_SPAN steps).
 *  - Each integer step is the midpoint of exactly one dyadic interval (or an anchor), so its
 *    Gaussian is drawn from the counter-based PRNG at counter = that step: no state anywhere.
 *
 * Cost: a random access descends log2(ANCHOR_SPAN) = 16 levels. `WalkCursor` keeps the descent path,
 * so consecutive steps (history, streams) cost O(1) amortised. The cached path holds the very same
 * numbers a fresh descent computes, so results are bit-identical whatever order steps are asked in —
 * which is what lets QueryData history, a fresh stream and a long-running stream agree exactly.
 */
import { gaussianAt } from './random';

export const ANCHOR_LEVELS = 16;
export const ANCHOR_SPAN = 2 ** ANCHOR_LEVELS;
const ANCHOR_SCALE = Math.sqrt(ANCHOR_SPAN / 2);

function anchorValue(seed: number, block: number): number {
  return ANCHOR_SCALE * gaussianAt(seed, block * ANCHOR_SPAN);
}

export class WalkCursor {
  // The descent path for the current block: interval bounds and the walk's value at them, per level.
  private readonly lo = new Float64Array(ANCHOR_LEVELS + 1);
  private readonly hi = new Float64Array(ANCHOR_LEVELS + 1);
  private readonly valueLo = new Float64Array(ANCHOR_LEVELS + 1);
  private readonly valueHi = new Float64Array(ANCHOR_LEVELS + 1);
  private depth = 0;
  private block = Number.NaN;

  constructor(readonly seed: number) {}

  /** The walk (unit step scale, centred on 0) at integer step `step`. */
  valueAt(step: number): number {
    const block = Math.floor(step / ANCHOR_SPAN);
    if (block !== this.block) {
      this.block = block;
      this.lo[0] = block * ANCHOR_SPAN;
      this.hi[0] = this.lo[0] + ANCHOR_SPAN;
      this.valueLo[0] = anchorValue(this.seed, block);
      this.valueHi[0] = anchorValue(this.seed, block + 1);
      this.depth = 1;
    }
    // Climb back to the deepest cached interval that still contains the step...
    while (this.depth > 1 && (step < this.lo[this.depth - 1] || step > this.hi[this.depth - 1])) {
      this.depth--;
    }
    // ...then bisect down to it.
    for (;;) {
      const level = this.depth - 1;
      const lo = this.lo[level];
      const hi = this.hi[level];
      if (step === lo) return this.valueLo[level];
      if (step === hi) return this.valueHi[level];
      const mid = lo + (hi - lo) / 2;
      const valueMid = (this.valueLo[level] + this.valueHi[level]) / 2 + (Math.sqrt(hi - lo) / 2) * gaussianAt(this.seed, mid);
      if (step === mid) return valueMid;
      const next = this.depth++;
      if (step < mid) {
        this.lo[next] = lo;
        this.hi[next] = mid;
        this.valueLo[next] = this.valueLo[level];
        this.valueHi[next] = valueMid;
      } else {
        this.lo[next] = mid;
        this.hi[next] = hi;
        this.valueLo[next] = valueMid;
        this.valueHi[next] = this.valueHi[level];
      }
    }
  }
}
