import { ScatterGL } from '../../renderer/src/components/map/scatter-gl.ts';
import { runHarness } from './page.ts';

const rgb = (hex: string): number[] => {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

runHarness(async (parent, size, palette) => {
  const canvas = document.createElement('canvas');
  const overlay = document.createElement('canvas');
  overlay.style.position = 'absolute';
  overlay.style.inset = '0';
  parent.append(canvas, overlay);
  const plot = new ScatterGL(canvas, overlay, { onLasso() {}, onClick() {}, onHover() {} });
  plot.mode = 'panZoom';
  plot.resize(size.width, size.height);
  const table = palette.map(rgb);
  const colors = (category: Uint8Array): Uint8Array => {
    const out = new Uint8Array(category.length * 3);
    for (let i = 0; i < category.length; i++) out.set(table[category[i]!]!, i * 3);
    return out;
  };
  // The renderer draws on the next animation frame and marks it.
  const drawn = (): Promise<void> =>
    new Promise((resolve) => {
      const seen = performance.getEntriesByName('map:points-drawn').length;
      const check = (): void => {
        if (performance.getEntriesByName('map:points-drawn').length > seen) resolve();
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  return {
    async setPoints(xy, category) {
      plot.setPoints(xy, colors(category));
      // Asked after the renderer's own frame request, so it runs after that draw.
      await drawn();
    },
    async setCategories(category) {
      plot.setColors(colors(category));
      // A big set is redrawn over a few frames: done when the picture is complete.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (plot.drawing) requestAnimationFrame(check);
          else resolve();
        };
        requestAnimationFrame(check);
      });
    },
  };
});
