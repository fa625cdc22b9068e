/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are either immutable snapshots
   replaced whole inside $state.raw (so one assignment notifies), or private bookkeeping no template reads. */
import type { PredictionRow } from '../../../src/api/contract.ts';
import type { Api } from './api.ts';
import type { Notices } from './notices.svelte.ts';

const PAGE = 100;

/**
 * The suggestions queue: unlabeled images, most uncertain first, with the class the current
 * run suggests. Accept one (Enter), pick another class (number key), or accept every
 * suggestion above a probability after previewing how many that labels.
 */
export class SuggestionsState {
  readonly #api: Api;
  readonly #notices: Notices;
  #items = $state.raw<PredictionRow[]>([]);
  #total = $state(0);
  #cursor = $state(0);
  #loading = $state(false);
  #loaded = $state(false);
  #threshold = $state(0.9);
  #preview = $state<number | null>(null);
  #applying = $state(false);
  #previewTimer: ReturnType<typeof setTimeout> | null = null;
  #previewSeq = 0;

  readonly current = $derived(this.#items[this.#cursor] ?? null);

  constructor(api: Api, notices: Notices) {
    this.#api = api;
    this.#notices = notices;
  }

  get items(): PredictionRow[] {
    return this.#items;
  }
  get total(): number {
    return this.#total;
  }
  get cursor(): number {
    return this.#cursor;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get threshold(): number {
    return this.#threshold;
  }
  get preview(): number | null {
    return this.#preview;
  }
  get applying(): boolean {
    return this.#applying;
  }

  async load(): Promise<void> {
    this.#loading = true;
    try {
      const page = await this.#api.call('predictions.query', {
        kind: 'suggestions',
        order: 'uncertain',
        limit: PAGE,
      });
      this.#items = page.items;
      this.#total = page.total;
      this.#cursor = Math.min(this.#cursor, Math.max(0, page.items.length - 1));
    } catch (err) {
      this.#items = [];
      this.#total = 0;
      this.#notices.error(err, 'Could not load suggestions');
    } finally {
      this.#loading = false;
      this.#loaded = true;
    }
    this.#schedulePreview();
  }

  async loadMore(): Promise<void> {
    if (this.#loading || this.#items.length >= this.#total) return;
    this.#loading = true;
    try {
      const page = await this.#api.call('predictions.query', {
        kind: 'suggestions',
        order: 'uncertain',
        offset: this.#items.length,
        limit: PAGE,
      });
      const seen = new Set(this.#items.map((i) => i.imageId));
      this.#items = [...this.#items, ...page.items.filter((i) => !seen.has(i.imageId))];
      this.#total = page.total;
    } catch (err) {
      this.#notices.error(err, 'Could not load more suggestions');
    } finally {
      this.#loading = false;
    }
  }

  setCursor(index: number): void {
    this.#cursor = Math.max(0, Math.min(index, this.#items.length - 1));
  }

  /** Accepts the suggestion at the cursor (or labels it with `classId` instead). */
  async accept(index = this.#cursor, classId?: number): Promise<boolean> {
    const item = this.#items[index];
    if (!item) return false;
    // Shown at once: the item leaves the queue; it comes back if the backend refuses.
    const before = this.#items;
    this.#items = before.filter((_, i) => i !== index);
    this.#total = Math.max(0, this.#total - 1);
    this.#cursor = Math.min(index, Math.max(0, this.#items.length - 1));
    try {
      if (classId === undefined || classId === item.predictedClassId)
        await this.#api.call('suggestions.accept', { imageIds: [item.imageId] });
      else await this.#api.call('labels.set', { imageIds: [item.imageId], classId });
      if (this.#items.length < 20 && this.#total > this.#items.length) void this.loadMore();
      this.#schedulePreview();
      return true;
    } catch (err) {
      this.#items = before;
      this.#total += 1;
      this.#notices.error(err, 'Could not accept the suggestion');
      return false;
    }
  }

  setThreshold(p: number): void {
    this.#threshold = Math.max(0, Math.min(1, p));
    this.#schedulePreview();
  }

  /** The dry run that says how many images "accept all above p" would label. */
  #schedulePreview(): void {
    if (this.#previewTimer) clearTimeout(this.#previewTimer);
    this.#previewTimer = setTimeout(() => void this.#runPreview(), 150);
  }

  async #runPreview(): Promise<void> {
    const seq = ++this.#previewSeq;
    try {
      const { accepted } = await this.#api.call('suggestions.accept', {
        minProbability: this.#threshold,
        dryRun: true,
      });
      if (seq === this.#previewSeq) this.#preview = accepted;
    } catch {
      if (seq === this.#previewSeq) this.#preview = null;
    }
  }

  async applyThreshold(): Promise<number | null> {
    this.#applying = true;
    try {
      const { accepted } = await this.#api.call('suggestions.accept', { minProbability: this.#threshold });
      this.#notices.success(`Accepted ${accepted} suggestion${accepted === 1 ? '' : 's'}.`);
      await this.load();
      return accepted;
    } catch (err) {
      this.#notices.error(err, 'Could not accept the suggestions');
      return null;
    } finally {
      this.#applying = false;
    }
  }
}
