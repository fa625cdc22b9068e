import type { Events } from '../../../../src/api/contract.ts';

/** How long a burst of import/rescan events is gathered into one reload. */
export const RELOAD_DELAY_MS = 500;

export interface ChangeHandlers {
  /** Labels changed (of these images, or of unknown ones when null): patch them in place. */
  labels(imageIds: number[] | null): void;
  /** Images came or went: reload the view. */
  reload(): void;
}

/**
 * Turns `dataset.changed` events into work for the dataset view. Label changes are handled at
 * once; imports and rescans send many events, so those reload at most twice a second. A
 * reload still waiting can be dropped when the project closes.
 */
export class ChangeFeed {
  readonly #handlers: ChangeHandlers;
  #reloadTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(handlers: ChangeHandlers) {
    this.#handlers = handlers;
  }

  get reloadPending(): boolean {
    return this.#reloadTimer !== null;
  }

  onChanged(e: Events['dataset.changed']): void {
    if (e.reason === 'labels' || e.reason === 'csv') {
      this.#handlers.labels(e.imageIds ?? null);
      return;
    }
    if (this.#reloadTimer) return;
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = null;
      this.#handlers.reload();
    }, RELOAD_DELAY_MS);
  }

  cancelPendingReload(): void {
    if (this.#reloadTimer) clearTimeout(this.#reloadTimer);
    this.#reloadTimer = null;
  }
}
