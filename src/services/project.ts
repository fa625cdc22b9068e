/**
 * Creating, opening and closing projects. Closing or switching cancels the project's jobs, so
 * it asks first (see assertNoJobsStopped).
 */
import type { Core } from '../core.ts';
import { ApiError } from '../domain/errors.ts';
import type { JobInfo, JobKind } from '../domain/jobs.ts';
import type { ProjectInfo } from '../domain/project.ts';
import { ProjectStore } from '../store/project.ts';

/** Turns a low-level SQLite failure into an error that names the project file and what to do. */
export { explainSqliteError } from '../store/project-open.ts';

const JOB_NAMES: Record<JobKind, string> = {
  import: 'an import',
  rescan: 'a rescan',
  'dataset-export': 'a dataset export',
  features: 'feature extraction',
  train: 'training',
  export: 'a model export',
  'model-download': 'the model download',
  'map-layout': 'the map layout',
};

function describeJob(j: JobInfo): string {
  const { done, total } = j.progress;
  const share = total ? ` (${Math.floor((100 * done) / total)} %)` : '';
  return `${JOB_NAMES[j.kind]}${share}`;
}

/**
 * Closing or switching the project cancels its jobs, which may have been started in another
 * window or tab: say which, and go on only when asked to.
 */
function assertNoJobsStopped(core: Core, force: boolean, action: string): void {
  if (force || core.project === null) return;
  const running = core.jobs.list().filter((j) => j.status === 'running');
  if (running.length === 0) return;
  const names = running.map(describeJob);
  throw new ApiError(
    'conflict',
    `${action} stops ${names.join(' and ')}, still running. ` +
      'Wait for it to finish, or stop it and go on.',
    { jobs: running.map((j) => ({ id: j.id, kind: j.kind })) },
  );
}

export async function createProject(core: Core, path: string, force: boolean): Promise<ProjectInfo> {
  assertNoJobsStopped(core, force, 'Creating another project');
  const project = ProjectStore.create(path);
  await core.setProject(project);
  return project.info();
}

export async function openProject(core: Core, path: string, force: boolean): Promise<ProjectInfo> {
  if (core.project?.path === ProjectStore.resolvePath(path)) return core.project.info();
  assertNoJobsStopped(core, force, 'Opening another project');
  const project = ProjectStore.open(path);
  await core.setProject(project);
  return project.info();
}

export async function closeProject(core: Core, force: boolean): Promise<{ closed: boolean }> {
  assertNoJobsStopped(core, force, 'Closing the project');
  const closed = core.project !== null;
  await core.setProject(null);
  return { closed };
}
