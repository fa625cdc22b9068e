/** What a compute task gets from whoever runs it: a way to be cancelled and to report progress. */
export interface TaskHooks {
  signal: AbortSignal;
  progress(p: {
    done: number;
    total: number | null;
    phase?: string;
    unit?: string | null;
    counters?: Record<string, number>;
  }): void;
}
