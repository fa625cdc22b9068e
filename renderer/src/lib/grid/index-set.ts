/** A half-open range of indices: `start` included, `end` excluded. */
export type Range = readonly [start: number, end: number];

/**
 * An immutable set of non-negative integers kept as sorted, disjoint, non-touching ranges, so
 * "select all 100 000 images" is one range and membership is a binary search.
 */
export class IndexSet {
  static readonly empty = new IndexSet([]);

  readonly ranges: readonly Range[];
  readonly size: number;

  private constructor(ranges: readonly Range[]) {
    this.ranges = ranges;
    let size = 0;
    for (const [s, e] of ranges) size += e - s;
    this.size = size;
  }

  static range(start: number, end: number): IndexSet {
    return end > start ? new IndexSet([[start, end]]) : IndexSet.empty;
  }

  static of(...indices: number[]): IndexSet {
    let set = IndexSet.empty;
    for (const i of indices) set = set.add(i, i + 1);
    return set;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get min(): number | null {
    return this.ranges[0]?.[0] ?? null;
  }

  get max(): number | null {
    const last = this.ranges[this.ranges.length - 1];
    return last ? last[1] - 1 : null;
  }

  has(index: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [s, e] = this.ranges[mid]!;
      if (index < s) hi = mid - 1;
      else if (index >= e) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Adds `[start, end)`. */
  add(start: number, end: number = start + 1): IndexSet {
    if (end <= start) return this;
    const out: Range[] = [];
    let s = start;
    let e = end;
    let placed = false;
    for (const r of this.ranges) {
      if (r[1] < s) out.push(r);
      else if (r[0] > e) {
        if (!placed) {
          out.push([s, e]);
          placed = true;
        }
        out.push(r);
      } else {
        s = Math.min(s, r[0]);
        e = Math.max(e, r[1]);
      }
    }
    if (!placed) out.push([s, e]);
    return new IndexSet(out);
  }

  /** Removes `[start, end)`. */
  remove(start: number, end: number = start + 1): IndexSet {
    if (end <= start) return this;
    const out: Range[] = [];
    for (const r of this.ranges) {
      if (r[1] <= start || r[0] >= end) out.push(r);
      else {
        if (r[0] < start) out.push([r[0], start]);
        if (r[1] > end) out.push([end, r[1]]);
      }
    }
    return new IndexSet(out);
  }

  toggle(index: number): IndexSet {
    return this.has(index) ? this.remove(index) : this.add(index);
  }

  union(other: IndexSet): IndexSet {
    return other.ranges.reduce<IndexSet>((acc, [s, e]) => acc.add(s, e), this);
  }

  /** Drops everything at or beyond `total`. */
  clamp(total: number): IndexSet {
    return this.max === null || this.max < total ? this : this.remove(total, Number.MAX_SAFE_INTEGER);
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (const [s, e] of this.ranges) for (let i = s; i < e; i++) yield i;
  }

  toArray(): number[] {
    return [...this];
  }
}
