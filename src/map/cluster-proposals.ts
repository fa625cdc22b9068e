import { ApiError } from '../domain/errors.ts';
import type { ClusterProposal } from '../domain/map.ts';
import type { ProjectStore } from '../store/project.ts';
import { proposeClusters } from './clusters.ts';
import { loadFeatureMatrix } from './feature-set.ts';

export interface ProposeOptions {
  k?: number | undefined;
  scope: 'unlabeled' | 'all';
  /** Cluster only these images (e.g. to split one group in two). */
  imageIds?: number[] | undefined;
  typical: number;
  atypical: number;
}

/** Groups the images (by default the unlabeled ones) by their features for naming one group at a time. */
export function clusterProposal(
  project: ProjectStore,
  modelId: number,
  opts: ProposeOptions,
): ClusterProposal {
  const db = project.db;
  const scopeSql =
    opts.scope === 'unlabeled' ? 'AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)' : '';
  let images = db
    .prepare(
      `SELECT i.id, i.hash, EXISTS (SELECT 1 FROM features f WHERE f.model_id = ? AND f.variant = 0 AND f.hash = i.hash) AS has
       FROM images i WHERE i.status = 'ok' AND i.hash IS NOT NULL ${scopeSql} ORDER BY i.id`,
    )
    .all(modelId) as { id: number; hash: string; has: number }[];
  if (opts.imageIds) {
    const wanted = new Set(opts.imageIds);
    images = images.filter((r) => wanted.has(r.id));
  }
  const withFeatures = images.filter((r) => r.has);
  if (withFeatures.length === 0) {
    throw new ApiError(
      'precondition',
      images.length === 0
        ? opts.scope === 'unlabeled'
          ? 'There are no unlabeled images to group. Import a folder, or group all images.'
          : 'There are no images to group. Import a folder first.'
        : `None of the ${images.length} images has features yet. Compute features first (Train → Compute features, or "incept features").`,
    );
  }
  const matrix = loadFeatureMatrix(
    db,
    modelId,
    withFeatures.map((r) => r.hash),
  );
  const result = proposeClusters(matrix, opts.k);
  const idOf = (row: number): number => withFeatures[row]!.id;
  return {
    k: result.k,
    automatic: result.automatic,
    silhouette: result.silhouette,
    withoutFeatures: images.length - withFeatures.length,
    clusters: result.members.map((rows, index) => {
      const typical = rows.slice(0, opts.typical);
      const rest = rows.slice(opts.typical);
      const atypical = rest.slice(Math.max(0, rest.length - opts.atypical)).reverse();
      return {
        index,
        size: rows.length,
        imageIds: rows.map(idOf),
        typical: typical.map(idOf),
        atypical: atypical.map(idOf),
      };
    }),
  };
}
