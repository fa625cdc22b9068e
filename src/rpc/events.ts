/**
 * Events that one side pushes to the other without being asked (job progress, dataset
 * changes): a table of listeners per event name, and the frame the server batches them in.
 * No Node or DOM types, so the renderer, the preload and the core share it.
 */

type Listener<T> = (payload: T) => void;

export class EventRouter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onListenerError: (event: keyof Events, err: unknown) => void;

  /** A listener that throws is reported here and does not stop the others. */
  constructor(onListenerError: (event: keyof Events, err: unknown) => void = reportListenerError) {
    this.#onListenerError = onListenerError;
  }

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => void set.delete(listener as Listener<never>);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Events[E]>)(payload);
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
  }
}

function reportListenerError(event: PropertyKey, err: unknown): void {
  console.error(`listener for ${String(event)} failed:`, err);
}

export interface EventMessage {
  event: string;
  payload: unknown;
}

/** One frame for the events of one moment: a single event as an object, several as an array in order. */
export function encodeEventFrame(batch: readonly EventMessage[]): string {
  return JSON.stringify(batch.length === 1 ? batch[0] : batch);
}

/** The events in a frame, in order; a frame that is not one is read as none. */
export function decodeEventFrame(text: string): EventMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (m): m is EventMessage =>
      typeof m === 'object' && m !== null && typeof (m as { event?: unknown }).event === 'string',
  );
}
