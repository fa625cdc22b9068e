import type { MapPoints } from '../../api/contract.ts';
import type { Core } from '../../core.ts';
import {
  mapLayoutFile,
  mapModel,
  mapPointsCheck,
  mapPointsPage,
  type ClustersTaskInput,
  type LayoutTaskInput,
} from '../../services/map.ts';
import type { Handlers } from '../dispatch.ts';

export function mapHandlers(
  core: Core,
): Pick<Handlers, 'map.layout' | 'map.points' | 'map.check' | 'clusters.propose'> {
  const cacheDir = (): string => core.appData.dir;
  return {
    'map.layout': ({ method, force }) => {
      const project = core.requireProject();
      const model = mapModel(project);
      const input: LayoutTaskInput = {
        projectPath: project.path,
        modelId: model.id,
        method,
        file: mapLayoutFile(cacheDir(), project, model, method),
        force,
      };
      const job = core.jobs.start('map-layout', (ctx) =>
        core.compute.run('map-layout', input, {
          signal: ctx.signal,
          onProgress: (p) =>
            ctx.progress({
              done: p.done,
              total: p.total,
              phase: p.phase ?? 'laying out',
              counters: p.counters ?? {},
            }),
        }),
      );
      return { jobId: job.id };
    },
    'map.points': ({ layout, offset, limit }): Promise<MapPoints> => {
      const project = core.requireProject();
      return mapPointsPage({
        cacheDir: cacheDir(),
        project,
        model: mapModel(project),
        layout,
        offset,
        limit,
        layoutInWorker: (input) => core.compute.run('map-layout', input),
      });
    },
    'map.check': ({ layout, key }) => {
      const project = core.requireProject();
      return mapPointsCheck({
        cacheDir: cacheDir(),
        project,
        model: mapModel(project),
        layout,
        key,
        layoutInWorker: (input) => core.compute.run('map-layout', input),
      });
    },
    'clusters.propose': ({ k, scope, imageIds, typical, atypical }) => {
      const project = core.requireProject();
      const model = mapModel(project);
      const input: ClustersTaskInput = {
        projectPath: project.path,
        modelId: model.id,
        k,
        scope,
        imageIds,
        typical,
        atypical,
      };
      return core.compute.run('clusters-propose', input);
    },
  };
}
