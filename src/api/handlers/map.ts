import { existsSync } from 'node:fs';
import type { MapPoints } from '../../api/contract.ts';
import type { Core } from '../../core.ts';
import { clusterProposal } from '../../map/cluster-proposals.ts';
import { featureSet } from '../../map/feature-set.ts';
import { readLayout } from '../../map/layout-cache.ts';
import type { LayoutTaskInput } from '../../map/layout-task.ts';
import { currentPcaLayout, mapLayoutFile, mapPoints } from '../../map/map-data.ts';
import { currentModel } from '../../store/models.ts';
import type { ProjectStore } from '../../store/project.ts';
import type { Handlers } from '../dispatch.ts';
import { ApiError } from '../errors.ts';
import { remedyDetails } from '../remedies.ts';

function mapModel(project: ProjectStore): { id: number; sha256: string } {
  const row = currentModel(project);
  if (!row)
    throw new ApiError(
      'precondition',
      'This project has no model yet, so there are no features to map.',
      remedyDetails('get-model'),
    );
  return { id: row.id, sha256: row.description.sha256 };
}

export function mapHandlers(core: Core): Pick<Handlers, 'map.layout' | 'map.points' | 'clusters.propose'> {
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
    'map.points': ({ layout, offset, limit }): MapPoints => {
      const project = core.requireProject();
      const model = mapModel(project);
      const set = featureSet(project.db, model.id);
      const umapFile = mapLayoutFile(cacheDir(), project, model, 'umap');
      const umap = readLayout(umapFile, set.key);
      const umapState: MapPoints['umap'] = umap ? 'current' : existsSync(umapFile) ? 'stale' : 'none';
      if (layout === 'umap' && !umap) {
        throw new ApiError(
          'precondition',
          umapState === 'stale'
            ? 'The UMAP layout is out of date: images or features changed since it was computed. Compute it again (map.layout).'
            : 'There is no UMAP layout yet. Compute it first (map.layout), or ask for the PCA layout.',
        );
      }
      const chosen = layout === 'pca' || !umap ? currentPcaLayout(cacheDir(), project, model, set) : umap;
      return mapPoints(project.db, chosen, { offset, limit, umap: umapState });
    },
    'clusters.propose': ({ k, scope, imageIds, typical, atypical }) => {
      const project = core.requireProject();
      const model = mapModel(project);
      return clusterProposal(project, model.id, { k, scope, imageIds, typical, atypical });
    },
  };
}
