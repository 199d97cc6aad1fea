package tributary

import "math"

// Counter-based randomness, ported from backend/src/datasource/random.ts (MurmurHash3 block mix
// and finaliser over 32-bit words). uint32 arithmetic gives the same bits as JS's Math.imul / |0 / >>>0.

const two32 = 4294967296.0

func mixBlock(hash, block uint32) uint32 {
	k := block * 0xcc9e2d51
	k = k<<15 | k>>17
	k *= 0x1b873593
	hash ^= k
	hash = hash<<13 | hash>>19
	return hash*5 + 0xe6546b64
}

func finalise(hash uint32) uint32 {
	hash ^= hash >> 16
	hash *= 0x85ebca6b
	hash ^= hash >> 13
	hash *= 0xc2b2ae35
	hash ^= hash >> 16
	return hash
}

// HashString hashes the UTF-16 code units of text (the datasource uid) into a seed.
func HashString(text string) uint32 {
	hash := uint32(0x9e3779b9)
	units := utf16Units(text)
	for _, u := range units {
		hash = mixBlock(hash, uint32(u))
	}
	return finalise(hash ^ uint32(len(units)))
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xd800+(r>>10)), uint16(0xdc00+(r&0x3ff)))
		} else {
			out = append(out, uint16(r))
		}
	}
	return out
}

// UniformAt is uniform in [0, 1) for (seed, counter, lane); counter is an integer.
func UniformAt(seed uint32, counter float64, lane uint32) float64 {
	high := math.Floor(counter / two32)
	hash := mixBlock(seed, uint32(int64(counter)))
	hash = mixBlock(hash, uint32(int64(high)))
	hash = mixBlock(hash, lane)
	return float64(finalise(hash^12)) / two32
}

// GaussianAt is a standard normal for (seed, counter) by Box-Muller.
func GaussianAt(seed uint32, counter float64) float64 {
	u1 := UniformAt(seed, counter, 1) + 0.5/two32
	u2 := UniformAt(seed, counter, 2)
	return float64(math.Sqrt(-2*math.Log(u1))) * math.Cos(float64(2*math.Pi*u2))
}
