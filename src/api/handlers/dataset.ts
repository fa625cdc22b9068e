import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_IDS_IN_EVENT, type Events, type LabelChange } from '../contract.ts';
import type { Core } from '../../core.ts';
import { createClass, getClass, listClasses, reorderClasses, updateClass } from '../../store/classes.ts';
import { exportLabelsCsv, importLabelsCsv } from '../../store/dataset-csv.ts';
import { exportFolders, prepareExportFolder } from '../../store/dataset-export.ts';
import { assertWritableDestination } from '../../store/destination.ts';
import { datasetCounts, getImage, queryImages } from '../../store/images.ts';
import {
  deleteClass,
  historyState,
  mergeClasses,
  redo,
  setLabels,
  stepImageIds,
  undo,
} from '../../store/labels.ts';
import { ApiError } from '../errors.ts';
import type { Handlers } from '../dispatch.ts';

type DatasetMethods =
  | 'classes.list'
  | 'classes.create'
  | 'classes.update'
  | 'classes.reorder'
  | 'classes.merge'
  | 'classes.delete'
  | 'images.query'
  | 'images.get'
  | 'images.counts'
  | 'labels.set'
  | 'labels.undo'
  | 'labels.redo'
  | 'labels.history'
  | 'dataset.importCsv'
  | 'dataset.export';

export function datasetHandlers(core: Core): Pick<Handlers, DatasetMethods> {
  const db = () => core.requireProject().db;
  const changed = (reason: Events['dataset.changed']['reason'], imageIds?: number[]): void =>
    core.events.emit(
      'dataset.changed',
      imageIds && imageIds.length <= MAX_IDS_IN_EVENT ? { reason, imageIds } : { reason },
    );
  /** Announces a change and passes its result through. */
  const announce = <T>(reason: Events['dataset.changed']['reason'], result: T, imageIds?: number[]): T => {
    changed(reason, imageIds);
    return result;
  };

  /** Undo and redo tell listeners which images moved, when that is a handful. */
  const stepped = (result: LabelChange): LabelChange => {
    if (result.step === null) return result;
    return announce('labels', result, stepImageIds(db(), result.step, MAX_IDS_IN_EVENT) ?? undefined);
  };

  return {
    'classes.list': () => listClasses(db()),
    'classes.create': (a) => announce('classes', createClass(db(), a)),
    'classes.update': (a) => announce('classes', updateClass(db(), a)),
    'classes.reorder': ({ ids }) => announce('classes', reorderClasses(db(), ids)),
    'classes.merge': ({ sourceIds, targetId }) =>
      announce('classes', mergeClasses(db(), sourceIds, targetId)),
    'classes.delete': ({ id, confirm }) => announce('classes', deleteClass(db(), id, confirm)),

    'images.query': (q) => {
      if (q.filter.kind === 'class') getClass(db(), q.filter.classId!);
      return queryImages(db(), q);
    },
    'images.get': ({ id }) => getImage(db(), id),
    'images.counts': () => datasetCounts(db()),

    'labels.set': ({ imageIds, classId, source }) => {
      const result = setLabels(db(), imageIds, classId, source);
      return result.changed > 0 ? announce('labels', result, imageIds) : result;
    },
    'labels.undo': () => stepped(undo(db())),
    'labels.redo': () => stepped(redo(db())),
    'labels.history': () => historyState(db()),

    'dataset.importCsv': ({ file, createClasses }) => {
      const result = importLabelsCsv(db(), file, createClasses);
      return result.step !== null ? announce('csv', result) : result;
    },
    'dataset.export': async ({ format, out, mode }) => {
      const project = core.requireProject();
      const target = resolve(out);
      assertWritableDestination(target);
      if (format === 'csv') {
        const file = target.toLowerCase().endsWith('.csv') ? target : join(target, 'labels.csv');
        if (file !== target) {
          try {
            await mkdir(target, { recursive: true });
          } catch (err) {
            throw new ApiError('precondition', `Cannot create ${target}: ${(err as Error).message}`);
          }
        }
        const job = core.jobs.start('dataset-export', async (ctx) => {
          ctx.progress({ done: 0, total: null, phase: 'writing CSV' });
          const written = exportLabelsCsv(project.db, file);
          ctx.progress({ done: written, total: written, phase: 'exported' });
          return { format, out: file, written, skipped: [] };
        });
        return { jobId: job.id };
      }
      prepareExportFolder(target);
      const job = core.jobs.start('dataset-export', (ctx) =>
        exportFolders(project.db, target, mode ?? 'copy', ctx),
      );
      return { jobId: job.id };
    },
  };
}
