/**
 * Classification metrics from predicted probabilities.
 *
 * Conventions (the same as scikit-learn's zero_division=0):
 *  - precision_c = TP / (TP + FP), and 0 when the class was never predicted;
 *  - recall_c    = TP / (TP + FN), and 0 when the class has no true samples (support 0);
 *  - f1_c        = 2PR / (P + R), and 0 when P + R = 0.
 *  - macroF1 averages f1 over the classes that occur in yTrue or in the predictions; a class
 *    that is absent from both has nothing to score and is left out (if none qualify, 0).
 *  - loss is the mean cross-entropy −log p(true class), with p clamped to ≥ 1e-12 so that one
 *    confidently wrong row costs at most ~27.6 instead of Infinity.
 *  - The predicted class is the arg-max (lowest index on ties).
 */

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of rows whose true class is this one. */
  support: number;
}

export interface Evaluation {
  accuracy: number;
  loss: number;
  perClass: ClassMetrics[];
  macroF1: number;
  /** confusion[true][predicted] = count. */
  confusion: number[][];
  /** cells[true][predicted] = the ids (or row indices, without ids) of the rows in that cell. */
  cells: number[][][];
}

export const MIN_PROBABILITY = 1e-12;

export function evaluate(
  probs: Float32Array,
  numClasses: number,
  yTrue: Int32Array,
  ids?: number[],
): Evaluation {
  const C = numClasses;
  const n = yTrue.length;
  if (!Number.isInteger(C) || C < 1) throw new RangeError(`numClasses must be a positive integer (got ${C})`);
  if (probs.length !== n * C) {
    throw new RangeError(`probs has ${probs.length} values; expected ${n} rows × ${C} classes`);
  }
  if (ids && ids.length !== n) throw new RangeError(`ids has ${ids.length} entries; expected ${n}`);

  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const cells = Array.from({ length: C }, () => Array.from({ length: C }, (): number[] => []));
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= C)
      throw new RangeError(`yTrue[${i}] = ${y} is not in 0..${C - 1}`);
    const row = i * C;
    let pred = 0;
    for (let c = 1; c < C; c++) if (probs[row + c]! > probs[row + pred]!) pred = c;
    if (pred === y) correct++;
    lossSum -= Math.log(Math.max(probs[row + y]!, MIN_PROBABILITY));
    confusion[y]![pred]!++;
    cells[y]![pred]!.push(ids ? ids[i]! : i);
  }

  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let scored = 0;
  for (let c = 0; c < C; c++) {
    const tp = confusion[c]![c]!;
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < C; k++) {
      support += confusion[c]![k]!;
      predicted += confusion[k]![c]!;
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support });
    if (support > 0 || predicted > 0) {
      f1Sum += f1;
      scored++;
    }
  }
  return {
    accuracy: n > 0 ? correct / n : 0,
    loss: n > 0 ? lossSum / n : 0,
    perClass,
    macroF1: scored > 0 ? f1Sum / scored : 0,
    confusion,
    cells,
  };
}
