package tributary

import "math"

// Random walk with random access (Brownian bridge over anchors), ported from randomWalk.ts.

const (
	anchorLevels = 16
	anchorSpan   = 1 << anchorLevels
)

var anchorScale = math.Sqrt(anchorSpan / 2)

func anchorValue(seed uint32, block float64) float64 {
	return float64(anchorScale * GaussianAt(seed, block*anchorSpan))
}

// WalkCursor caches the bisection path so consecutive steps cost O(1) amortised.
type WalkCursor struct {
	seed                     uint32
	lo, hi, valueLo, valueHi [anchorLevels + 1]float64
	depth                    int
	block                    float64
	hasBlock                 bool
}

func NewWalkCursor(seed uint32) *WalkCursor { return &WalkCursor{seed: seed} }

// ValueAt is the walk (unit step scale) at integer step.
func (c *WalkCursor) ValueAt(step float64) float64 {
	block := math.Floor(step / anchorSpan)
	if !c.hasBlock || block != c.block {
		c.hasBlock = true
		c.block = block
		c.lo[0] = block * anchorSpan
		c.hi[0] = c.lo[0] + anchorSpan
		c.valueLo[0] = anchorValue(c.seed, block)
		c.valueHi[0] = anchorValue(c.seed, block+1)
		c.depth = 1
	}
	for c.depth > 1 && (step < c.lo[c.depth-1] || step > c.hi[c.depth-1]) {
		c.depth--
	}
	for {
		level := c.depth - 1
		lo, hi := c.lo[level], c.hi[level]
		if step == lo {
			return c.valueLo[level]
		}
		if step == hi {
			return c.valueHi[level]
		}
		mid := lo + (hi-lo)/2
		valueMid := float64((c.valueLo[level]+c.valueHi[level])/2) + float64(float64(math.Sqrt(hi-lo)/2)*GaussianAt(c.seed, mid))
		if step == mid {
			return valueMid
		}
		next := c.depth
		c.depth++
		if step < mid {
			c.lo[next], c.hi[next] = lo, mid
			c.valueLo[next], c.valueHi[next] = c.valueLo[level], valueMid
		} else {
			c.lo[next], c.hi[next] = mid, hi
			c.valueLo[next], c.valueHi[next] = valueMid, c.valueHi[level]
		}
	}
}
