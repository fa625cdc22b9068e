/**
 * Seeded randomness for training. Everything that shuffles or initialises goes through here so
 * that the same seed gives bit-identical results; Math.random is never used.
 */

/** Folds any safe integer into 32 bits so that seeds above 2^32 still differ from each other. */
export function seed32(seed: number): number {
  const hi = Math.floor(seed / 0x1_0000_0000);
  return (seed ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

/** mulberry32: tiny, fast and good enough for shuffling and initial weights. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed32(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator for an independent stream derived from a seed and a purpose (e.g. fold number). */
export function substream(seed: number, stream: number): () => number {
  return mulberry32(seed32(seed) ^ Math.imul(stream + 1, 0x85ebca6b));
}

/** Fisher–Yates, in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(
  a: T,
  rand: () => number,
): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** 0..n-1 in a seeded random order. */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rand);
}
