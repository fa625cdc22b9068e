import type { Core } from '../../core.ts';
import { closeProject, createProject, openProject } from '../../services/project.ts';
import type { Handlers } from '../dispatch.ts';

export function projectHandlers(
  core: Core,
): Pick<
  Handlers,
  'project.create' | 'project.open' | 'project.close' | 'project.recent' | 'project.current'
> {
  return {
    'project.create': ({ path, force }) => createProject(core, path, force),
    'project.open': ({ path, force }) => openProject(core, path, force),
    'project.close': ({ force }) => closeProject(core, force),
    'project.recent': () => core.appData.recent(),
    'project.current': () => core.project?.info() ?? null,
  };
}
