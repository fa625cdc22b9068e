/**
 * Pages of a long list, loaded on demand and evicted when far from the visible window so memory
 * stays flat however far a person scrolls. Maps are treated as immutable: every change returns a
 * new one (the renderer keeps it in `$state.raw` and replaces it).
 */
export type Pages<T> = ReadonlyMap<number, readonly T[]>;

export function withPage<T>(
  pages: Pages<T>,
  page: number,
  rows: readonly T[],
  opts: { maxPages: number; keep: readonly number[] },
): Pages<T> {
  const next = new Map(pages);
  next.set(page, rows);
  if (next.size <= opts.maxPages) return next;
  const keep = new Set([...opts.keep, page]);
  const centre = opts.keep.length > 0 ? (opts.keep[0]! + opts.keep[opts.keep.length - 1]!) / 2 : page;
  const candidates = [...next.keys()]
    .filter((p) => !keep.has(p))
    .sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
  for (const p of candidates) {
    if (next.size <= opts.maxPages) break;
    next.delete(p);
  }
  return next;
}

export function rowAt<T>(pages: Pages<T>, index: number, pageSize: number): T | undefined {
  return pages.get(Math.floor(index / pageSize))?.[index % pageSize];
}

/** Applies `update` to every loaded row it changes; untouched pages keep their identity. */
export function patchRows<T>(pages: Pages<T>, update: (row: T) => T | null): Pages<T> {
  let next: Map<number, readonly T[]> | null = null;
  for (const [p, rows] of pages) {
    let copy: T[] | null = null;
    for (let i = 0; i < rows.length; i++) {
      const changed = update(rows[i]!);
      if (changed !== null) {
        copy ??= rows.slice();
        copy[i] = changed;
      }
    }
    if (copy) {
      next ??= new Map(pages);
      next.set(p, copy);
    }
  }
  return next ?? pages;
}
