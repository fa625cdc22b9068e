/**
 * A small in-memory backend behind the renderer's `Api` boundary, for testing the dataset
 * view's state classes: images with labels, one-step-per-call undo history, and
 * `dataset.changed` events that wait in a queue until the test delivers them (the real server
 * batches them into frames, so they may reach the page before or after the HTTP answer of the
 * call that caused them). Any method can be held (its answer waits for `release`) or made to
 * fail once, after which the backend has changed nothing.
 */
import type {
  Api,
  DatasetCounts,
  EventName,
  Events,
  HistoryState,
  ImageFilter,
  ImageRow,
  LabelChange,
  LabelSource,
  MethodArgs,
  MethodName,
  MethodResult,
} from '../../src/api/contract.ts';

interface Label {
  classId: number | null;
  labelSource: LabelSource | null;
}

interface Step {
  label: string;
  before: Map<number, Label>;
  after: Map<number, Label>;
}

export interface Call {
  method: MethodName;
  args: unknown;
}

export class FakeBackendError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function imageRow(id: number, label: Partial<Label> = {}): ImageRow {
  return {
    id,
    path: `/photos/img-${id}.png`,
    name: `img-${id}.png`,
    hash: id.toString(16).padStart(64, '0'),
    width: 64,
    height: 64,
    format: 'png',
    bytes: 1000,
    status: 'ok',
    error: null,
    split: 'train',
    classId: label.classId ?? null,
    labelSource: label.labelSource ?? (label.classId == null ? null : 'imported'),
    addedAt: '2026-01-01T00:00:00.000Z',
    prediction: null,
    outOfFold: null,
  };
}

type Listener = (payload: never) => void;

export class FakeDatasetApi implements Api {
  /** The backend's images in "added" order; tests may replace it to simulate an import. */
  images: ImageRow[];
  readonly calls: Call[] = [];
  readonly #undo: Step[] = [];
  readonly #redo: Step[] = [];
  readonly #queued: Events['dataset.changed'][] = [];
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #held = new Map<MethodName, { gate: Promise<void>; open: () => void }>();
  readonly #failures = new Map<MethodName, FakeBackendError>();

  constructor(count: number, label: (id: number) => Partial<Label> = () => ({})) {
    this.images = Array.from({ length: count }, (_, i) => imageRow(i + 1, label(i + 1)));
  }

  /** Calls of one method made so far, with their arguments. */
  callsOf<M extends MethodName>(method: M): MethodArgs<M>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args as MethodArgs<M>);
  }

  labelOf(id: number): Label {
    const row = this.images.find((r) => r.id === id);
    if (!row) throw new Error(`no image ${id}`);
    return { classId: row.classId, labelSource: row.labelSource };
  }

  /** Answers of `method` called from now on wait (the backend has already acted) until `release`. */
  hold(method: MethodName): { release(): void } {
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    this.#held.set(method, { gate, open });
    return {
      release: () => {
        if (this.#held.get(method)?.gate === gate) this.#held.delete(method);
        open();
      },
    };
  }

  /** The next call of `method` is refused with this error and changes nothing. */
  failNext(method: MethodName, code: string, message: string): void {
    this.#failures.set(method, new FakeBackendError(code, message));
  }

  /** Events waiting to be delivered (one server frame). */
  get queuedEvents(): readonly Events['dataset.changed'][] {
    return this.#queued;
  }

  /** Delivers the queued events, as the server's next event frame would. */
  deliverEvents(): void {
    const events = this.#queued.splice(0);
    for (const e of events) this.emit('dataset.changed', e);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.#listeners.get(event) ?? []) (l as (p: Events[E]) => void)(payload);
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
    this.calls.push({ method, args });
    const failure = this.#failures.get(method);
    this.#failures.delete(method);
    const result = failure ? null : this.#answer(method, args);
    // The answer travels back on its own; a call made while its method is held waits for that
    // hold's release.
    const held = this.#held.get(method);
    await Promise.resolve();
    if (held) await held.gate;
    if (failure) throw failure;
    return result as MethodResult<M>;
  }

  #answer(method: MethodName, args: unknown): unknown {
    switch (method) {
      case 'images.query':
        return this.#query(args as MethodArgs<'images.query'>);
      case 'images.counts':
        return this.#counts();
      case 'labels.history':
        return this.#history();
      case 'labels.set': {
        const { imageIds, classId } = args as MethodArgs<'labels.set'>;
        const after: Label = { classId, labelSource: classId === null ? null : 'human' };
        const step: Step = { label: `label ${imageIds.length} images`, before: new Map(), after: new Map() };
        for (const id of imageIds) {
          step.before.set(id, this.labelOf(id));
          step.after.set(id, after);
        }
        this.#apply(step.after);
        this.#undo.push(step);
        this.#redo.length = 0;
        return this.#change(this.#undo.length, imageIds.length);
      }
      case 'labels.undo':
      case 'labels.redo': {
        const from = method === 'labels.undo' ? this.#undo : this.#redo;
        const to = method === 'labels.undo' ? this.#redo : this.#undo;
        const step = from.pop();
        if (!step) return this.#change(null, 0);
        this.#apply(method === 'labels.undo' ? step.before : step.after);
        to.push(step);
        return this.#change(this.#undo.length + this.#redo.length, step.after.size);
      }
      default:
        throw new Error(`the fake backend does not answer ${method}`);
    }
  }

  #apply(labels: Map<number, Label>): void {
    this.images = this.images.map((r) => {
      const l = labels.get(r.id);
      return l ? { ...r, ...l } : r;
    });
    this.#queued.push({ reason: 'labels', imageIds: [...labels.keys()] });
  }

  #change(step: number | null, changed: number): LabelChange {
    return { step, changed, history: this.#history() };
  }

  #history(): HistoryState {
    return {
      canUndo: this.#undo.length > 0,
      canRedo: this.#redo.length > 0,
      undoLabel: this.#undo.at(-1)?.label ?? null,
      redoLabel: this.#redo.at(-1)?.label ?? null,
    };
  }

  #query(args: MethodArgs<'images.query'>): MethodResult<'images.query'> {
    const filter: ImageFilter = args.filter ?? {};
    const matches = this.images.filter((r) => matchesFilter(r, filter));
    const offset = args.offset ?? 0;
    const limit = args.limit ?? 100;
    return { total: matches.length, offset, items: matches.slice(offset, offset + limit) };
  }

  #counts(): DatasetCounts {
    const labeled = this.images.filter((r) => r.classId !== null).length;
    return {
      total: this.images.length,
      ok: this.images.length,
      missing: 0,
      unreadable: 0,
      labeled,
      unlabeled: this.images.length - labeled,
      perClass: [],
      perSplit: { train: this.images.length, validation: 0, test: 0 },
    };
  }
}

function matchesFilter(row: ImageRow, f: ImageFilter): boolean {
  switch (f.kind ?? 'all') {
    case 'all':
      return true;
    case 'labeled':
      return row.classId !== null;
    case 'unlabeled':
      return row.classId === null;
    case 'class':
      return row.classId === f.classId;
    case 'ids':
      return (f.ids ?? []).includes(row.id);
    default:
      throw new Error(`the fake backend does not filter by ${f.kind}`);
  }
}
