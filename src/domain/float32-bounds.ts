/**
 * Probabilities are computed and stored as float32, so a prediction shown as "0.9" is stored as
 * 0.899999976…, below the double 0.9. Thresholds given as decimals are widened to the nearest
 * float32 on the inclusive side, so that "at least 0.9" counts a stored 0.9 (and "at most 0.15"
 * a stored 0.15). Values that are exact doubles compare as before.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The next float32 towards −∞ (for finite, positive or zero f32 values). */
function nextDown(f: number): number {
  if (f === 0) return -Number.MIN_VALUE;
  f32[0] = f;
  u32[0] = u32[0]! - (f > 0 ? 1 : -1);
  return f32[0];
}
function nextUp(f: number): number {
  f32[0] = f;
  if (f === 0) return Math.fround(1.4e-45);
  u32[0] = u32[0]! + (f > 0 ? 1 : -1);
  return f32[0];
}

/** The largest float32 ≤ p: `v >= lowerBound32(p)` means "v is at least p" for float32 values. */
export function lowerBound32(p: number): number {
  const f = Math.fround(p);
  return f > p ? nextDown(f) : f;
}

/** The smallest float32 ≥ p: `v <= upperBound32(p)` means "v is at most p" for float32 values. */
export function upperBound32(p: number): number {
  const f = Math.fround(p);
  return f < p ? nextUp(f) : f;
}
