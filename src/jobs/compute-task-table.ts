/**
 * The compute worker's task table. Typed by the task map, so each entry must take its task's
 * input and answer its task's output; nothing is cast.
 */
import { runTrainTask } from './train-task.ts';
import type { ComputeTaskTable } from './compute-task-map.ts';
import { runFeaturesTask, runPredictTask } from './compute-tasks.ts';

export const computeTasks: ComputeTaskTable = {
  features: runFeaturesTask,
  train: runTrainTask,
  predict: runPredictTask,
  // The exporter pulls in tfjs-converter and the writers: loaded when first used.
  export: async (input, hooks) => (await import('./export-task.ts')).runExportTask(input, hooks),
  'map-layout': async (input, hooks) => (await import('../services/map.ts')).runLayoutTask(input, hooks),
  'clusters-propose': async (input) => (await import('../services/map.ts')).runClustersTask(input),
};
