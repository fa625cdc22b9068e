/**
 * Events the backend pushes, and the typed bus that carries them to every transport.
 */
import type { JobInfo, JobProgress } from './jobs.ts';
import type { ProjectInfo } from './project.ts';

/** A `dataset.changed` names its images only up to this many; a bigger change comes without ids. */
export const MAX_IDS_IN_EVENT = 1000;

export interface Events {
  'job.progress': JobProgress;
  'job.finished': JobInfo;
  'dataset.changed': {
    reason: 'import' | 'labels' | 'classes' | 'rescan' | 'csv' | 'removed' | 'splits';
    imageIds?: number[];
  };
  'project.changed': { project: ProjectInfo | null };
}
export type EventName = keyof Events;
export const eventNames: readonly EventName[] = [
  'job.progress',
  'job.finished',
  'dataset.changed',
  'project.changed',
];

type Listener<E extends EventName> = (payload: Events[E]) => void;
type AnyListener = (event: EventName, payload: Events[EventName]) => void;

/** A typed event bus; transports subscribe with `onAny` and forward every event. */
export class EventBus {
  readonly #listeners = new Map<EventName, Set<Listener<EventName>>>();
  readonly #any = new Set<AnyListener>();

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.#listeners.get(event) ?? []) safeCall(() => (l as Listener<E>)(payload));
    for (const l of this.#any) safeCall(() => l(event, payload));
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  onAny(listener: AnyListener): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // A broken listener (say, a closed socket) must not stop the others or the emitter.
    console.error('event listener failed:', err);
  }
}
