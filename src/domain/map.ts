/**
 * The map of the dataset and cluster-first labeling.
 */

/**
 * One page of map points. Each array field is base64 of a little-endian typed array with one
 * entry per point (xy: two): ids Int32, xy Float32 in [-1, 1], label and predicted Int32 class
 * ids (0 = none), confidence Float32 (NaN = no prediction), split Uint8 (0 train, 1 validation,
 * 2 test), mislabeled Uint8 (1 = likely mislabeled); hashes is 32 bytes per point, each
 * image's SHA-256 content hash (for its `/img/<id>/<sha256>/<variant>` address).
 */
export interface MapPoints {
  method: 'pca' | 'umap';
  /** Points in the whole map (ok images with features); `count` of them are on this page. */
  total: number;
  offset: number;
  count: number;
  /** Ok images left off the map because their features are not computed yet. */
  withoutFeatures: number;
  /** The UMAP layout: current for this feature set, out of date, or never computed. */
  umap: 'current' | 'stale' | 'none';
  /**
   * Of `total`, the points placed into an earlier layout of a mostly equal set (projected on its
   * PCA basis, or at their nearest neighbours for UMAP) rather than laid out with the rest.
   */
  placed: number;
  /**
   * The freshness key of everything but the labels: `map.check` with it answers whether these
   * points are still current (labels are patched from `dataset.changed` events).
   */
  key: string;
  ids: string;
  xy: string;
  label: string;
  predicted: string;
  confidence: string;
  split: string;
  mislabeled: string;
  hashes: string;
}

export interface MapLayoutResult {
  method: 'pca' | 'umap';
  points: number;
  /** True when the cached layout was still current and nothing was computed. */
  cached: boolean;
  /** Points placed into the earlier layout rather than laid out again (0: a full layout). */
  placed: number;
  seconds: number;
}

export interface MapCheck {
  /** True when `map.points` would answer the points the given key was answered with. */
  unchanged: boolean;
  key: string;
}

export interface ClusterProposal {
  k: number;
  /** True when Incept picked k (best silhouette of 2…12). */
  automatic: boolean;
  silhouette: number | null;
  withoutFeatures: number;
  /** Largest group first; members from most to least typical. */
  clusters: { index: number; size: number; imageIds: number[]; typical: number[]; atypical: number[] }[];
}
