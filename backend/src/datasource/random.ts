/**
 * Counter-based randomness: a value is a pure function of (seed, counter), so any sample can be
 * recomputed anywhere, in any order, with bit-identical results. Sequential PRNG libraries
 * (seedrandom & co.) cannot jump to an arbitrary counter, hence these few lines by hand.
 * The mixing steps are MurmurHash3's (public domain) 32-bit block mix and finaliser.
 */

const TWO_32 = 4294967296;

function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  hash ^= k;
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

function finalise(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** 32-bit hash of a string (UTF-16 code units), used to turn a datasource uid into a seed. */
export function hashString(text: string, seed = 0x9e3779b9): number {
  let hash = seed | 0;
  for (let i = 0; i < text.length; i++) {
    hash = mixBlock(hash, text.charCodeAt(i));
  }
  return finalise(hash ^ text.length);
}

/** Uniform in [0, 1) for (seed, counter, lane); counter may be any integer up to ±2^53. */
export function uniformAt(seed: number, counter: number, lane: number): number {
  const high = Math.floor(counter / TWO_32);
  let hash = mixBlock(seed | 0, counter >>> 0);
  hash = mixBlock(hash, high | 0);
  hash = mixBlock(hash, lane);
  return finalise(hash ^ 12) / TWO_32;
}

/** Standard normal for (seed, counter), by Box–Muller over two independent uniforms. */
export function gaussianAt(seed: number, counter: number): number {
  const u1 = uniformAt(seed, counter, 1) + 0.5 / TWO_32; // never 0, so the log is finite
  const u2 = uniformAt(seed, counter, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
