/* eslint-disable svelte/prefer-svelte-reactivity -- Maps and Sets here are either immutable snapshots
   replaced whole inside $state.raw (so one assignment notifies), or private bookkeeping no template reads. */
import type { Api, ClassInfo } from '../../../src/api/contract.ts';
import type { Notices } from './notices.svelte.ts';

/** The project's classes in display order, with counts, colours and hotkeys. */
export class ClassesState {
  readonly #api: Api;
  readonly #notices: Notices;
  #list = $state.raw<ClassInfo[]>([]);
  /** The last map `byId` answered (plain: only `byId` reads it). */
  #byId: ReadonlyMap<number, ClassInfo> = new Map();

  /** Hotkey → class id, for the grid's keyboard labeling. */
  readonly hotkeys = $derived(
    new Map(this.#list.filter((c) => c.key !== null).map((c) => [c.key!, c.id] as const)),
  );
  /**
   * Class id → class, for names, colours and keys (read counts from `list`). A reload that
   * changed only counts (every label change reloads the list) keeps this very map, so what
   * draws with class colours (the map's 100 000 points, the grid's chips) does not redraw.
   */
  readonly byId = $derived.by(() => {
    const prev = this.#byId;
    const list = this.#list;
    const same =
      list.length === prev.size &&
      list.every((c) => {
        const p = prev.get(c.id);
        return p && p.name === c.name && p.color === c.color && p.key === c.key && p.order === c.order;
      });
    if (!same) this.#byId = new Map(list.map((c) => [c.id, c] as const));
    return this.#byId;
  });

  constructor(api: Api, notices: Notices) {
    this.#api = api;
    this.#notices = notices;
  }

  get list(): ClassInfo[] {
    return this.#list;
  }

  async load(): Promise<void> {
    try {
      this.#list = await this.#api.call('classes.list', {});
    } catch (err) {
      this.#notices.error(err, 'Could not load the classes');
    }
  }

  async create(name: string, color?: string): Promise<ClassInfo | null> {
    return this.#do('Could not add the class', async () => {
      const created = await this.#api.call('classes.create', color ? { name, color } : { name });
      this.#list = [...this.#list, created].sort((a, b) => a.order - b.order);
      return created;
    });
  }

  async update(id: number, patch: { name?: string; color?: string; key?: string | null }): Promise<boolean> {
    const ok = await this.#do('Could not change the class', async () => {
      const updated = await this.#api.call('classes.update', { id, ...patch });
      this.#list = this.#list.map((c) => (c.id === id ? updated : c));
      return true;
    });
    return ok ?? false;
  }

  /** Moves a class one place up (-1) or down (+1). */
  async move(id: number, delta: -1 | 1): Promise<void> {
    const ids = this.#list.map((c) => c.id);
    const at = ids.indexOf(id);
    const to = at + delta;
    if (at < 0 || to < 0 || to >= ids.length) return;
    [ids[at], ids[to]] = [ids[to]!, ids[at]!];
    await this.#reorder(ids);
  }

  /** A class dragged onto another takes its place; the classes between move up or down one. */
  async moveOnto(id: number, targetId: number): Promise<void> {
    const ids = this.#list.map((c) => c.id);
    const from = ids.indexOf(id);
    const to = ids.indexOf(targetId);
    if (from < 0 || to < 0 || from === to) return;
    ids.splice(from, 1);
    ids.splice(to, 0, id);
    await this.#reorder(ids);
  }

  /** Orders the classes by name as a person would: 2 before 10, case ignored. */
  async sortByName(): Promise<void> {
    const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    const ids = [...this.#list].sort((a, b) => collator.compare(a.name, b.name)).map((c) => c.id);
    await this.#reorder(ids);
  }

  get sortedByName(): boolean {
    const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    return this.#list.every((c, i) => i === 0 || collator.compare(this.#list[i - 1]!.name, c.name) <= 0);
  }

  async #reorder(ids: number[]): Promise<void> {
    const before = this.#list;
    // Reordering is shown at once; the backend's answer replaces it (or the old order returns).
    this.#list = ids.map((i) => before.find((c) => c.id === i)!);
    const result = await this.#do('Could not reorder the classes', () =>
      this.#api.call('classes.reorder', { ids }),
    );
    this.#list = result ?? before;
  }

  async merge(sourceIds: number[], targetId: number): Promise<boolean> {
    const r = await this.#do('Could not merge the classes', () =>
      this.#api.call('classes.merge', { sourceIds, targetId }),
    );
    await this.load();
    return r !== null;
  }

  async remove(id: number): Promise<boolean> {
    const r = await this.#do('Could not delete the class', () =>
      this.#api.call('classes.delete', { id, confirm: true }),
    );
    await this.load();
    return r !== null;
  }

  async #do<T>(context: string, action: () => Promise<T>): Promise<T | null> {
    try {
      return await action();
    } catch (err) {
      this.#notices.error(err, context);
      return null;
    }
  }
}
