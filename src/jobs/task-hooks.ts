/** One progress report of a compute task: how far it is, in which phase, counting what. */
export interface TaskProgress {
  done: number;
  total: number | null;
  phase?: string;
  unit?: string | null;
  counters?: Record<string, number>;
}

/** What a compute task gets from whoever runs it: a way to be cancelled and to report progress. */
export interface TaskHooks<P = TaskProgress> {
  signal: AbortSignal;
  progress(p: P): void;
}
