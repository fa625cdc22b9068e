import type { ImageRow, Split } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { Notices } from './notices.svelte.ts';

export interface DuplicatePair {
  a: ImageRow;
  b: ImageRow;
  similarity: number;
  /** The two sit in different splits: validation then scores a picture the model trained on. */
  leak: boolean;
}

const PAGE = 40;

/**
 * The current run's near-duplicate pairs, both images' rows loaded before anything is shown (no
 * blank tiles), and what a person does about a pair: keep one, or put both in one split.
 */
export class DuplicatesState {
  readonly #api: Api;
  readonly #notices: Notices;
  #pairs = $state.raw<DuplicatePair[]>([]);
  #total = $state(0);
  #loaded = $state(false);
  #busy = $state(false);

  constructor(api: Api, notices: Notices) {
    this.#api = api;
    this.#notices = notices;
  }

  get pairs(): DuplicatePair[] {
    return this.#pairs;
  }
  get total(): number {
    return this.#total;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get busy(): boolean {
    return this.#busy;
  }

  async load(): Promise<void> {
    try {
      const page = await this.#api.call('predictions.query', { kind: 'duplicates', limit: PAGE });
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local, never read by a template
      const ids = [...new Set(page.items.flatMap((r) => [r.imageId, r.duplicateOf ?? r.imageId]))];
      const rows =
        ids.length === 0
          ? []
          : (
              await this.#api.call('images.query', {
                filter: { kind: 'ids', ids },
                limit: Math.min(1000, ids.length),
              })
            ).items;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local, never read by a template
      const byId = new Map(rows.map((r) => [r.id, r]));
      const pairs: DuplicatePair[] = [];
      for (const r of page.items) {
        const a = byId.get(r.imageId);
        const b = r.duplicateOf !== undefined ? byId.get(r.duplicateOf) : undefined;
        // A pair whose image was removed since the run was trained is resolved already.
        if (a && b) pairs.push({ a, b, similarity: r.similarity ?? 0, leak: a.split !== b.split });
      }
      this.#pairs = pairs;
      this.#total = page.total;
    } catch (err) {
      this.#notices.error(err, 'Could not load the duplicate pairs', 'duplicates');
      this.#pairs = [];
      this.#total = 0;
    } finally {
      this.#loaded = true;
    }
  }

  /** Keeps `keep`, taking the other image of the pair out of the project (its file stays). */
  async keep(pair: DuplicatePair, keep: ImageRow): Promise<void> {
    const drop = keep.id === pair.a.id ? pair.b : pair.a;
    await this.#act(async () => {
      await this.#api.call('images.remove', { imageIds: [drop.id] });
      this.#notices.success(
        `Kept ${keep.name}; ${drop.name} is out of the project (the file stays on disk).`,
      );
      this.#pairs = this.#pairs.filter((p) => p.a.id !== drop.id && p.b.id !== drop.id);
      this.#total = Math.max(0, this.#total - 1);
    });
  }

  async sameSplit(pair: DuplicatePair, split: Split): Promise<void> {
    await this.#act(async () => {
      await this.#api.call('images.setSplit', { imageIds: [pair.a.id, pair.b.id], split });
      this.#notices.success(`Both images are now in ${split}.`);
      this.#pairs = this.#pairs.map((p) => {
        const fix = (r: ImageRow): ImageRow =>
          r.id === pair.a.id || r.id === pair.b.id ? { ...r, split } : r;
        const a = fix(p.a);
        const b = fix(p.b);
        return { ...p, a, b, leak: a.split !== b.split };
      });
    });
  }

  async #act(action: () => Promise<void>): Promise<void> {
    this.#busy = true;
    try {
      await action();
    } catch (err) {
      this.#notices.error(err, 'That did not work');
    } finally {
      this.#busy = false;
    }
  }
}
