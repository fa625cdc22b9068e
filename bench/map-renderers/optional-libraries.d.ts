// The candidate libraries are not dependencies of the app: `bench/map-renderers.ts` bundles them
// from a separate install when one is given, and reports them skipped otherwise.
declare module '@deck.gl/core';
declare module '@deck.gl/layers';
declare module 'embedding-atlas';
declare module 'regl-scatterplot';
