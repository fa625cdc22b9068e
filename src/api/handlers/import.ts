import { statSync } from 'node:fs';
import type { Core } from '../../core.ts';
import { normalizeFolder, scanFolders, type ScanRoot } from '../../images/import.ts';
import { findRoot, listRoots, upsertRoot } from '../../store/image-writes.ts';
import { startPredictionsForNewImages } from './train.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiError } from '../errors.ts';

function assertFolder(path: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ApiError(
      code === 'ENOENT' ? 'not_found' : 'precondition',
      code === 'ENOENT'
        ? `No folder at ${path}. Check the path.`
        : `Cannot open ${path}: ${(err as Error).message}`,
    );
  }
  if (!isDir) throw new ApiError('invalid_args', `${path} is a file; import needs a folder.`);
}

export function importHandlers(
  core: Core,
): Pick<Handlers, 'import.start' | 'import.rescan' | 'import.roots'> {
  /** Import and rescan write the same rows: one at a time. */
  const assertIdle = (): void => {
    const running = core.jobs
      .list()
      .find((j) => j.status === 'running' && (j.kind === 'import' || j.kind === 'rescan'));
    if (running) {
      throw new ApiError(
        'conflict',
        `An ${running.kind} is already running (job ${running.id}); wait for it or cancel it first.`,
        { jobId: running.id },
      );
    }
  };

  const start = (kind: 'import' | 'rescan', roots: ScanRoot[]): { jobId: string } => {
    const project = core.requireProject();
    project.assertWritable();
    const job = core.jobs.start(kind, async (ctx) => {
      const result = await scanFolders(
        project,
        { roots, onCommit: () => core.events.emit('dataset.changed', { reason: kind }) },
        ctx,
      );
      const c = result.counters;
      if (c.imported + c.changed + c.restored + c.moved > 0) startPredictionsForNewImages(core, project);
      return result;
    });
    return { jobId: job.id };
  };

  return {
    'import.start': ({ folder, labelsFromFolders }) => {
      const project = core.requireProject();
      project.assertWritable();
      const path = normalizeFolder(folder);
      assertFolder(path);
      assertIdle();
      upsertRoot(project.db, path, labelsFromFolders);
      return start('import', [{ path, labelsFromFolders }]);
    },
    'import.rescan': ({ folder }) => {
      const project = core.requireProject();
      project.assertWritable();
      assertIdle();
      let roots: ScanRoot[];
      if (folder !== undefined) {
        const root = findRoot(project.db, normalizeFolder(folder));
        if (!root)
          throw new ApiError(
            'not_found',
            `${normalizeFolder(folder)} was never imported into this project; import it first.`,
          );
        roots = [{ path: root.path, labelsFromFolders: root.labelsFromFolders }];
      } else {
        roots = listRoots(project.db).map((r) => ({ path: r.path, labelsFromFolders: r.labelsFromFolders }));
        if (roots.length === 0)
          throw new ApiError(
            'precondition',
            'Nothing has been imported into this project yet; import a folder first.',
          );
      }
      return start('rescan', roots);
    },
    'import.roots': () => listRoots(core.requireProject().db),
  };
}
