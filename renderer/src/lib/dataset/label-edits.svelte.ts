import type { Api, HistoryState } from '../../../../src/api/contract.ts';
import type { Notices } from '../notices.svelte.ts';
import type { PagedRows } from './paged-rows.svelte.ts';

/**
 * Labeling with optimistic updates, and undo/redo. A label shows on the loaded rows before the
 * backend answers; a refusal puts the old labels back and says why. Undo and redo change rows
 * through the `dataset.changed` event that follows them, so they work the same whether that
 * event arrives before or after the answer.
 */
export class LabelEdits {
  readonly #api: Api;
  readonly #notices: Notices;
  readonly #rows: PagedRows;
  #history = $state.raw<HistoryState | null>(null);

  constructor(api: Api, notices: Notices, rows: PagedRows) {
    this.#api = api;
    this.#notices = notices;
    this.#rows = rows;
  }

  get history(): HistoryState | null {
    return this.#history;
  }

  async refreshHistory(): Promise<void> {
    try {
      this.#history = await this.#api.call('labels.history', {});
    } catch {
      // Undo still works from the keyboard; only its label is missing.
    }
  }

  /**
   * Gives every image in `ids` the class (null clears it) as one undo step. `shown` runs as
   * soon as the rows show the new label, before the backend answers. Resolves to whether it
   * was saved.
   */
  async set(ids: readonly number[], classId: number | null, shown?: () => void): Promise<boolean> {
    const before = this.#rows.applyLabels(ids, { classId, labelSource: classId === null ? null : 'human' });
    shown?.();
    try {
      const change = await this.#api.call('labels.set', { imageIds: [...ids], classId });
      this.#history = change.history;
      this.#rows.markLabelsChanged();
      return true;
    } catch (err) {
      this.#rows.restoreLabels(before);
      this.#notices.error(err, 'The label was not saved');
      return false;
    }
  }

  async undo(): Promise<void> {
    await this.#step('labels.undo', 'Nothing to undo.');
  }

  async redo(): Promise<void> {
    await this.#step('labels.redo', 'Nothing to redo.');
  }

  async #step(method: 'labels.undo' | 'labels.redo', nothing: string): Promise<void> {
    try {
      const change = await this.#api.call(method, {});
      this.#history = change.history;
      if (change.step === null) this.#notices.info(nothing);
      // The `dataset.changed` event that follows brings the restored labels into the grid.
    } catch (err) {
      this.#notices.error(err, method === 'labels.undo' ? 'Undo failed' : 'Redo failed');
    }
  }
}
