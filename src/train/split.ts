/**
 * Train / validation / test bookkeeping over per-sample labels and split assignments.
 *
 * Policy: every class with a labeled image is trained on. A class none of whose images are
 * assigned to 'train' gets one held-out image moved into training (validation before test, so the
 * test set stays as assigned) and is flagged — it is never silently dropped. Classes that end up
 * without a validation (or test) image while that split is in use are flagged too, because the
 * numbers for that split say nothing about them.
 */
import { ApiError } from '../domain/errors.ts';
import { SPLITS, type Split } from '../domain/splits.ts';
import { permutation, substream } from './random.ts';

export { SPLITS, type Split };

export type SplitFlagReason = 'moved_to_train' | 'no_validation' | 'no_test';

export interface SplitFlag {
  classIndex: number;
  className: string;
  reason: SplitFlagReason;
  message: string;
  /** Sample indices moved into training ('moved_to_train' only). */
  moved?: number[];
}

export interface ClassSplitCounts {
  train: number;
  validation: number;
  test: number;
}

export interface Splits {
  /** Sample indices per split, ascending. Unlabeled samples (label < 0) are in none. */
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  /** Per class, after any moves. */
  counts: ClassSplitCounts[];
  flags: SplitFlag[];
}

export interface SplitInput {
  /** Class index per sample; a negative value means unlabeled. */
  labels: ArrayLike<number>;
  /** Split per sample; missing (null/undefined) counts as 'train'. */
  splits: ArrayLike<Split | null | undefined>;
  numClasses: number;
  classNames?: readonly string[] | undefined;
}

const nameOf = (names: readonly string[] | undefined, c: number) => names?.[c] ?? `class ${c}`;

export function buildSplits(input: SplitInput): Splits {
  const { labels, splits, numClasses: C, classNames } = input;
  if (labels.length !== splits.length) {
    throw new RangeError(`labels has ${labels.length} entries but splits has ${splits.length}`);
  }
  const members: Record<Split, number[]>[] = Array.from({ length: C }, () => ({
    train: [],
    validation: [],
    test: [],
  }));
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0) continue;
    if (!Number.isInteger(y) || y >= C)
      throw new RangeError(`labels[${i}] = ${y} is not a class index below ${C}`);
    const s = splits[i] ?? 'train';
    if (s !== 'train' && s !== 'validation' && s !== 'test') {
      throw new RangeError(`splits[${i}] = ${String(s)}; expected 'train', 'validation' or 'test'`);
    }
    members[y]![s].push(i);
  }

  const flags: SplitFlag[] = [];
  for (let c = 0; c < C; c++) {
    const m = members[c]!;
    if (m.train.length > 0) continue;
    const from = m.validation.length > 0 ? m.validation : m.test;
    if (from.length === 0) continue; // no labeled images at all: checkTrainable's business
    const moved = [from.shift()!];
    m.train.push(...moved);
    const name = nameOf(classNames, c);
    flags.push({
      classIndex: c,
      className: name,
      reason: 'moved_to_train',
      moved,
      message:
        `“${name}” had no training images, so one held-out image was moved into training. ` +
        `Label more images of “${name}” so that some can be held out.`,
    });
  }
  const total = (s: Split) => members.reduce((sum, m) => sum + m[s].length, 0);
  for (const [split, reason] of [
    ['validation', 'no_validation'],
    ['test', 'no_test'],
  ] as const) {
    if (total(split) === 0) continue;
    for (let c = 0; c < C; c++) {
      const m = members[c]!;
      if (m[split].length > 0 || m.train.length === 0) continue;
      const name = nameOf(classNames, c);
      flags.push({
        classIndex: c,
        className: name,
        reason,
        message: `“${name}” has no ${split} images, so ${split} results say nothing about it; label more images of it.`,
      });
    }
  }

  const collect = (s: Split) => Int32Array.from(members.flatMap((m) => m[s])).sort();
  return {
    train: collect('train'),
    validation: collect('validation'),
    test: collect('test'),
    counts: members.map((m) => ({
      train: m.train.length,
      validation: m.validation.length,
      test: m.test.length,
    })),
    flags,
  };
}

export interface AssignOptions {
  validationFraction: number;
  testFraction?: number;
  seed: number;
  /** Existing assignments to keep; only samples without one are assigned. */
  existing?: ArrayLike<Split | null | undefined> | undefined;
}

/**
 * Stratified, seeded assignment of labeled samples to splits. Each class aims for
 * round(n_c × fraction) held-out images counting the ones it already has, and always keeps at
 * least one training image, so a class with a single image is trained on. Unlabeled samples get
 * null (or keep their existing assignment).
 */
export function assignSplits(labels: ArrayLike<number>, options: AssignOptions): (Split | null)[] {
  const vf = options.validationFraction;
  const tf = options.testFraction ?? 0;
  if (!(vf >= 0 && tf >= 0 && vf + tf < 1)) {
    throw new ApiError(
      'invalid_args',
      `Split fractions must be ≥ 0 and add up to less than 1 (got validation ${vf}, test ${tf}).`,
    );
  }
  const n = labels.length;
  const out: (Split | null)[] = new Array<Split | null>(n).fill(null);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const existing = options.existing?.[i];
    if (existing) out[i] = existing;
    const y = labels[i]!;
    if (y < 0) continue;
    let list = byClass.get(y);
    if (!list) byClass.set(y, (list = []));
    list.push(i);
  }
  for (const [c, list] of [...byClass].sort((a, b) => a[0] - b[0])) {
    const count = { train: 0, validation: 0, test: 0 };
    const open: number[] = [];
    for (const i of list) {
      const s = out[i];
      if (s) count[s]++;
      else open.push(i);
    }
    if (open.length === 0) continue;
    const order = permutation(open.length, substream(options.seed, c));
    let needVal = Math.max(0, Math.round(list.length * vf) - count.validation);
    let needTest = Math.max(0, Math.round(list.length * tf) - count.test);
    // Always leave a training image.
    let room = open.length - (count.train === 0 ? 1 : 0);
    needVal = Math.min(needVal, Math.max(0, room));
    room -= needVal;
    needTest = Math.min(needTest, Math.max(0, room));
    for (let j = 0; j < open.length; j++) {
      const i = open[order[j]!]!;
      out[i] = j < needVal ? 'validation' : j < needVal + needTest ? 'test' : 'train';
    }
  }
  return out;
}

/**
 * Refuses to train when it cannot mean anything: fewer than two classes, or a class with no
 * labeled image. `classCounts[c]` is the number of labeled images of class c (all splits).
 */
export function checkTrainable(classCounts: ArrayLike<number>, classNames: readonly string[]): void {
  if (classNames.length < 2) {
    const which = classNames.length === 0 ? 'none' : `only “${classNames[0]}”`;
    throw new ApiError(
      'precondition',
      `Training needs at least 2 classes, and the project has ${which}. Add another class and label some images with it.`,
      { reason: 'too_few_classes', classes: [...classNames] },
    );
  }
  if (classCounts.length !== classNames.length) {
    throw new RangeError(`classCounts has ${classCounts.length} entries for ${classNames.length} classes`);
  }
  const empty: string[] = [];
  for (let c = 0; c < classNames.length; c++) if (!(classCounts[c]! > 0)) empty.push(classNames[c]!);
  if (empty.length > 0) {
    const list = empty.map((n) => `“${n}”`).join(', ');
    const noun = empty.length === 1 ? 'class has' : 'classes have';
    throw new ApiError(
      'precondition',
      `The ${noun} no labeled images: ${list}. Label at least one image of each class, or delete the class.`,
      { reason: 'empty_classes', classes: empty },
    );
  }
}
