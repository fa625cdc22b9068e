/**
 * Every compute-worker task, declared once like the API contract: its name, what it takes,
 * what it answers, and what it reports while it runs. The client's `run`, the worker's task
 * table and each task's own signature are all checked against this map.
 */
import type { ClusterProposal, MapLayoutResult } from '../domain/map.ts';
import type { ImagePrediction } from '../domain/model.ts';
import type { ExportReport } from '../domain/training.ts';
import type { ClustersTaskInput, LayoutTaskInput } from '../services/map.ts';
import type { TrainTaskInput, TrainTaskOutput } from './train-task.ts';
import type { FeaturesTaskInput, FeaturesTaskOutput, PredictTaskInput } from './compute-tasks.ts';
import type { ExportTaskInput } from './export-task.ts';
import type { TaskHooks, TaskProgress } from './task-hooks.ts';

export interface ComputeTaskMap {
  features: { input: FeaturesTaskInput; output: FeaturesTaskOutput; progress: TaskProgress };
  train: { input: TrainTaskInput; output: TrainTaskOutput; progress: TaskProgress };
  predict: { input: PredictTaskInput; output: ImagePrediction[]; progress: TaskProgress };
  export: { input: ExportTaskInput; output: ExportReport; progress: TaskProgress };
  'map-layout': { input: LayoutTaskInput; output: MapLayoutResult; progress: TaskProgress };
  'clusters-propose': { input: ClustersTaskInput; output: ClusterProposal; progress: TaskProgress };
}

export type ComputeTaskName = keyof ComputeTaskMap;
export type TaskInput<K extends ComputeTaskName> = ComputeTaskMap[K]['input'];
export type TaskOutput<K extends ComputeTaskName> = ComputeTaskMap[K]['output'];
export type TaskProgressOf<K extends ComputeTaskName> = ComputeTaskMap[K]['progress'];

/** The function that runs one task in the worker. */
export type ComputeTask<K extends ComputeTaskName> = (
  input: TaskInput<K>,
  hooks: TaskHooks<TaskProgressOf<K>>,
) => Promise<TaskOutput<K>>;

/** The worker's task table: exactly one function per task, each with its own types. */
export type ComputeTaskTable = { [K in ComputeTaskName]: ComputeTask<K> };

// A Record, so a task added to the map and not here fails to compile.
const NAMES: Record<ComputeTaskName, true> = {
  features: true,
  train: true,
  predict: true,
  export: true,
  'map-layout': true,
  'clusters-propose': true,
};

/** The names at run time, for checking a name that arrives over the wire. */
export const computeTaskNames = Object.freeze(Object.keys(NAMES) as ComputeTaskName[]);

export function isComputeTaskName(name: unknown): name is ComputeTaskName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(NAMES, name);
}
