import type { Core } from '../../core.ts';
import { ProjectStore } from '../../store/project.ts';
import type { Handlers } from '../dispatch.ts';

export function projectHandlers(
  core: Core,
): Pick<
  Handlers,
  'project.create' | 'project.open' | 'project.close' | 'project.recent' | 'project.current'
> {
  return {
    'project.create': async ({ path }) => {
      const project = ProjectStore.create(path);
      await core.setProject(project);
      return project.info();
    },
    'project.open': async ({ path }) => {
      if (core.project?.path === ProjectStore.resolvePath(path)) return core.project.info();
      const project = ProjectStore.open(path);
      await core.setProject(project);
      return project.info();
    },
    'project.close': async () => {
      const closed = core.project !== null;
      await core.setProject(null);
      return { closed };
    },
    'project.recent': () => core.appData.recent(),
    'project.current': () => core.project?.info() ?? null,
  };
}
