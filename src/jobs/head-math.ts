/** softmax(x·W + b) for one feature vector; W is featureDim × C, row-major. */
export function headProbabilities(weights: Float32Array, bias: Float32Array, x: Float32Array): Float64Array {
  const C = bias.length;
  const logits = new Float64Array(C);
  for (let c = 0; c < C; c++) logits[c] = bias[c]!;
  for (let k = 0; k < x.length; k++) {
    const xk = x[k]!;
    if (xk === 0) continue;
    for (let c = 0; c < C; c++) logits[c]! += xk * weights[k * C + c]!;
  }
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += logits[c] = Math.exp(logits[c]! - max);
  for (let c = 0; c < C; c++) logits[c]! /= sum;
  return logits;
}
