/**
 * The dataset of the open project: classes, images, labels with undo, CSV labels and dataset
 * exports. Every change is announced as one dataset.changed event.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Core } from '../core.ts';
import type {
  ClassInfo,
  DatasetCounts,
  ImagePage,
  ImageRow,
  LabelChange,
  LabelSource,
  CsvImportResult,
  HistoryState,
} from '../domain/dataset.ts';
import { ApiError } from '../domain/errors.ts';
import { MAX_IDS_IN_EVENT, type Events } from '../domain/events.ts';
import type { ImageQuery } from '../domain/image-query.ts';
import type { Split } from '../domain/splits.ts';
import {
  createClass,
  getClass,
  listClasses,
  reorderClasses,
  updateClass,
  type ClassUpdate,
  type NewClass,
} from '../store/classes.ts';
import { exportLabelsCsv, importLabelsCsv } from '../store/dataset-csv.ts';
import { exportFolders, prepareExportFolder } from '../store/dataset-export.ts';
import { assertWritableDestination } from '../store/destination.ts';
import { removeImages, setSplit } from '../store/image-removal.ts';
import { listRoots } from '../store/image-writes.ts';
import { datasetCounts, getImage, queryImages } from '../store/images.ts';
import {
  deleteClass,
  historyState,
  mergeClasses,
  redo,
  setLabels,
  stepImageIds,
  undo,
} from '../store/labels.ts';

export type DatasetExportFormat = 'csv' | 'folders';
export type DatasetExportMode = 'copy' | 'hardlink' | 'symlink';

export class DatasetService {
  readonly #core: Core;

  constructor(core: Core) {
    this.#core = core;
  }

  #db() {
    return this.#core.requireProject().db;
  }

  #changed(reason: Events['dataset.changed']['reason'], imageIds?: number[]): void {
    this.#core.events.emit(
      'dataset.changed',
      imageIds && imageIds.length <= MAX_IDS_IN_EVENT ? { reason, imageIds } : { reason },
    );
  }

  /** Announces a change and passes its result through. */
  #announce<T>(reason: Events['dataset.changed']['reason'], result: T, imageIds?: number[]): T {
    this.#changed(reason, imageIds);
    this.#core.requireProject().checkpointWhenIdle();
    return result;
  }

  /** Undo and redo tell listeners which images moved, when that is a handful. */
  #stepped(result: LabelChange): LabelChange {
    if (result.step === null) return result;
    return this.#announce(
      'labels',
      result,
      stepImageIds(this.#db(), result.step, MAX_IDS_IN_EVENT) ?? undefined,
    );
  }

  listClasses(): ClassInfo[] {
    return listClasses(this.#db());
  }
  createClass(c: NewClass): ClassInfo {
    return this.#announce('classes', createClass(this.#db(), c));
  }
  updateClass(u: ClassUpdate): ClassInfo {
    return this.#announce('classes', updateClass(this.#db(), u));
  }
  reorderClasses(ids: number[]): ClassInfo[] {
    return this.#announce('classes', reorderClasses(this.#db(), ids));
  }
  mergeClasses(sourceIds: number[], targetId: number): LabelChange {
    return this.#announce('classes', mergeClasses(this.#db(), sourceIds, targetId));
  }
  deleteClass(id: number, confirm: boolean): LabelChange {
    return this.#announce('classes', deleteClass(this.#db(), id, confirm));
  }

  queryImages(q: ImageQuery): ImagePage {
    if (q.filter.kind === 'class') getClass(this.#db(), q.filter.classId!);
    return queryImages(this.#db(), q);
  }
  getImage(id: number): ImageRow {
    return getImage(this.#db(), id);
  }
  counts(): DatasetCounts {
    return datasetCounts(this.#db());
  }
  /** Takes images out of the project (their files stay); a rescan leaves them out. */
  removeImages(imageIds: number[]): { removed: number } {
    const { removed } = removeImages(this.#db(), imageIds);
    if (removed > 0) this.#changed('removed', imageIds);
    return { removed };
  }
  setSplit(imageIds: number[], split: Split): { changed: number } {
    const changed = setSplit(this.#db(), imageIds, split);
    if (changed > 0) this.#changed('splits', imageIds);
    return { changed };
  }

  setLabels(imageIds: number[], classId: number | null, source: LabelSource): LabelChange {
    const result = setLabels(this.#db(), imageIds, classId, source);
    return result.changed > 0 ? this.#announce('labels', result, imageIds) : result;
  }
  undo(): LabelChange {
    return this.#stepped(undo(this.#db()));
  }
  redo(): LabelChange {
    return this.#stepped(redo(this.#db()));
  }
  history(): HistoryState {
    return historyState(this.#db());
  }

  importCsv(file: string, createClasses: boolean): CsvImportResult {
    const result = importLabelsCsv(this.#db(), file, createClasses);
    return result.step !== null ? this.#announce('csv', result) : result;
  }

  /** Exports labels as a CSV or as out/<class>/<image>, as a job. */
  async startExport(
    format: DatasetExportFormat,
    out: string,
    mode: DatasetExportMode | undefined,
  ): Promise<{ jobId: string }> {
    const core = this.#core;
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
  }

  /** The folders imported into the open project (none when no project is open). */
  importedFolders(): string[] {
    return this.#core.project ? listRoots(this.#core.project.db).map((r) => r.path) : [];
  }
}
