/**
 * Messages between the API thread and the compute worker (a worker thread that holds the
 * engine and does feature extraction, training and prediction, so the API never waits on them).
 */
export type ComputeTaskName = 'features' | 'train' | 'predict' | 'export' | 'map-layout' | 'clusters-propose';

export interface TaskRequest {
  type: 'task';
  id: number;
  task: ComputeTaskName;
  input: unknown;
}

export interface CancelRequest {
  type: 'cancel';
  id: number;
}

export type ToWorker = TaskRequest | CancelRequest;

export interface TaskProgress {
  type: 'progress';
  id: number;
  done: number;
  total: number | null;
  phase?: string;
  unit?: string | null;
  counters?: Record<string, number>;
}

export interface TaskResult {
  type: 'result';
  id: number;
  output: unknown;
}

export interface TaskFailure {
  type: 'error';
  id: number;
  error: { code: string; message: string; name?: string; details?: unknown };
}

export type FromWorker = TaskProgress | TaskResult | TaskFailure;
