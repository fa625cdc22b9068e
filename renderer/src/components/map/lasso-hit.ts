/**
 * The lasso's hit test: indices of the points inside a polygon (even-odd rule, as
 * `pointInPolygon`). The polygon's corners are copied into typed arrays once, and each point
 * is tested without allocating: destructuring a corner pair per edge per point made the test
 * take ~50 ms for 10 000 points on a 20-corner lasso.
 */
export function pointsInPolygon(xy: Float32Array, poly: readonly (readonly [number, number])[]): number[] {
  const m = poly.length;
  const out: number[] = [];
  if (m < 3) return out;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < m; k++) {
    const x = poly[k]![0];
    const y = poly[k]![1];
    xs[k] = x;
    ys[k] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const n = xy.length >> 1;
  for (let i = 0; i < n; i++) {
    const px = xy[i * 2]!;
    const py = xy[i * 2 + 1]!;
    if (px < minX || px > maxX || py < minY || py > maxY) continue;
    let inside = false;
    for (let a = 0, b = m - 1; a < m; b = a++) {
      const ya = ys[a]!;
      const yb = ys[b]!;
      if (ya > py !== yb > py && px < ((xs[b]! - xs[a]!) * (py - ya)) / (yb - ya) + xs[a]!) inside = !inside;
    }
    if (inside) out.push(i);
  }
  return out;
}
