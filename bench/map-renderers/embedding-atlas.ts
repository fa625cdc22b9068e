import { EmbeddingView } from 'embedding-atlas';
import { runHarness } from './page.ts';

runHarness(async (parent, size, palette) => {
  let view: InstanceType<typeof EmbeddingView> | null = null;
  let x = new Float32Array(0);
  let y = new Float32Array(0);
  // The plain view reports no "drawn": the frame after the update is the nearest signal.
  const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return {
    async setPoints(xy, category) {
      const n = xy.length / 2;
      x = new Float32Array(n);
      y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = xy[i * 2]!;
        y[i] = xy[i * 2 + 1]!;
      }
      const props = {
        data: { x, y, category: Uint8Array.from(category) },
        categoryColors: [...palette],
        width: size.width,
        height: size.height,
        config: { mode: 'points' as const, autoLabelEnabled: false, colorScheme: 'light' as const },
      };
      if (view) view.update(props);
      else view = new EmbeddingView(parent, props);
      await frame();
    },
    async setCategories(category) {
      view!.update({ data: { x, y, category: Uint8Array.from(category) } });
      await frame();
    },
  };
});
