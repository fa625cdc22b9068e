import createScatterplot from 'regl-scatterplot';
import { runHarness } from './page.ts';

runHarness((parent, size, palette) => {
  const canvas = document.createElement('canvas');
  canvas.style.width = `${size.width}px`;
  canvas.style.height = `${size.height}px`;
  parent.append(canvas);
  const plot = createScatterplot({
    canvas,
    width: size.width,
    height: size.height,
    pointSize: 3,
    pointColor: [...palette],
    colorBy: 'valueA',
  });
  let x = new Float32Array(0);
  let y = new Float32Array(0);
  // Its draw() resolves once the points are on the canvas.
  const draw = (category: Uint8Array): Promise<void> =>
    plot.draw({ x, y, valueA: Float32Array.from(category) }, { preventFilterReset: true });
  return Promise.resolve({
    async setPoints(xy, category) {
      const n = xy.length / 2;
      x = new Float32Array(n);
      y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = xy[i * 2]!;
        y[i] = xy[i * 2 + 1]!;
      }
      await draw(category);
    },
    setCategories: draw,
  });
});
