import type { ClassInfo, ImageFilter, Split } from '../../../src/api/contract.ts';

/**
 * What the grid shows; every kind maps straight onto `images.query`. The prediction kinds
 * (suggestions, likely mislabeled, duplicates) come in the model's order rather than the chosen
 * sort, and `ids` is an explicit list (a confusion-matrix cell, say) with a title that says
 * where it came from.
 */
export type GridFilter =
  | { kind: 'all' }
  | { kind: 'unlabeled' }
  | { kind: 'labeled' }
  | { kind: 'class'; classId: number }
  | { kind: 'failed' }
  | { kind: 'missing' }
  | { kind: 'split'; split: Split }
  | { kind: 'suggestions' }
  | { kind: 'mislabeled' }
  | { kind: 'duplicates' }
  | { kind: 'ids'; ids: readonly number[]; title: string };

export type PredictionFilterKind = 'suggestions' | 'mislabeled' | 'duplicates';

export function isPredictionFilter(f: GridFilter): f is { kind: PredictionFilterKind } {
  return f.kind === 'suggestions' || f.kind === 'mislabeled' || f.kind === 'duplicates';
}

/** The `images.query` filter. */
export function toImageFilter(f: GridFilter, search: string): ImageFilter {
  const s = search.trim();
  const extra = s === '' ? {} : { search: s };
  switch (f.kind) {
    case 'class':
      return { kind: 'class', classId: f.classId, ...extra };
    case 'split':
      return { kind: 'split', split: f.split, ...extra };
    case 'ids':
      return { kind: 'ids', ids: [...f.ids], ...extra };
    default:
      return { kind: f.kind, ...extra };
  }
}

export function sameFilter(a: GridFilter, b: GridFilter): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'class' && b.kind === 'class') return a.classId === b.classId;
  if (a.kind === 'split' && b.kind === 'split') return a.split === b.split;
  if (a.kind === 'ids' && b.kind === 'ids') return a.ids === b.ids;
  return true;
}

export function filterTitle(f: GridFilter, classes: readonly ClassInfo[]): string {
  switch (f.kind) {
    case 'all':
      return 'All images';
    case 'unlabeled':
      return 'Unlabeled';
    case 'labeled':
      return 'Labeled';
    case 'class':
      return classes.find((c) => c.id === f.classId)?.name ?? 'Class';
    case 'failed':
      return 'Failed to read';
    case 'missing':
      return 'Missing files';
    case 'split':
      return `${f.split[0]!.toUpperCase()}${f.split.slice(1)} split`;
    case 'suggestions':
      return 'Suggestions';
    case 'mislabeled':
      return 'Likely mislabeled';
    case 'duplicates':
      return 'Duplicates';
    case 'ids':
      return f.title;
  }
}

/** Whether a label change can move images in or out of this view. */
export function dependsOnLabels(f: GridFilter): boolean {
  return (
    f.kind === 'unlabeled' ||
    f.kind === 'labeled' ||
    f.kind === 'class' ||
    f.kind === 'suggestions' ||
    f.kind === 'mislabeled'
  );
}
