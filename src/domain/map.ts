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
  seconds: number;
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
