/**
 * An independent reference for the head trainer: full-batch Nesterov-accelerated gradient
 * descent in float64 on mean cross-entropy + l2·ΣW² (no class weights), run until the gradient
 * vanishes. Shares no code with src/train.
 */
import type { Rows } from './synthetic.ts';

export function referenceFit(rows: Rows, d: number, C: number, l2: number, maxIter = 20_000) {
  const n = rows.y.length;
  const x = Float64Array.from(rows.x);
  const P = d + 1; // parameters per class: W column + bias
  // Lipschitz constant of the gradient: ½·λmax(X̃ᵀX̃/n) + 2·l2, X̃ = [X, 1].
  const gram = new Float64Array(P * P);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < P; a++) {
      const xa = a < d ? x[i * d + a]! : 1;
      for (let b = 0; b < P; b++) gram[a * P + b]! += (xa * (b < d ? x[i * d + b]! : 1)) / n;
    }
  }
  let v = new Float64Array(P).fill(1);
  let lambda = 0;
  for (let it = 0; it < 200; it++) {
    const w = new Float64Array(P);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) w[a]! += gram[a * P + b]! * v[b]!;
    lambda = Math.hypot(...w);
    v = w.map((e) => e / lambda);
  }
  const L = 0.5 * lambda + 2 * l2;
  const mu = 2 * l2; // strong convexity from the penalty
  const momentum = (Math.sqrt(L / mu) - 1) / (Math.sqrt(L / mu) + 1);

  // theta[c * P + k]: k < d → W[k, c]; k = d → b[c]
  let theta = new Float64Array(C * P);
  let prev = theta.slice();
  const grad = new Float64Array(C * P);
  const z = new Float64Array(C);
  const gradient = (th: Float64Array): number => {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = th[c * P + d]!;
        for (let k = 0; k < d; k++) s += x[i * d + k]! * th[c * P + k]!;
        z[c] = s;
        max = Math.max(max, s);
      }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += z[c] = Math.exp(z[c]! - max);
      for (let c = 0; c < C; c++) {
        const r = (z[c]! / sum - (c === rows.y[i] ? 1 : 0)) / n;
        for (let k = 0; k < d; k++) grad[c * P + k]! += r * x[i * d + k]!;
        grad[c * P + d]! += r;
      }
    }
    let norm = 0;
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < d; k++) grad[c * P + k]! += 2 * l2 * th[c * P + k]!;
    }
    for (const g of grad) norm += g * g;
    return Math.sqrt(norm);
  };
  let iterations = 0;
  let gradNorm = Infinity;
  for (; iterations < maxIter; iterations++) {
    const look = theta.map((t, j) => t + momentum * (t - prev[j]!));
    gradNorm = gradient(look);
    if (gradNorm < 1e-10) {
      theta = look;
      break;
    }
    prev = theta;
    theta = look.map((t, j) => t - grad[j]! / L);
  }
  const weights = new Float64Array(d * C);
  const bias = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < d; k++) weights[k * C + c] = theta[c * P + k]!;
    bias[c] = theta[c * P + d]!;
  }
  return { weights, bias, iterations, gradNorm };
}
