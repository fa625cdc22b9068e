import { Deck, OrthographicView } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import { runHarness } from './page.ts';

runHarness(async (parent, size, palette) => {
  const table = palette.map((hex) => {
    const n = Number.parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 230];
  });
  let rendered: (() => void) | null = null;
  const afterRender = (): Promise<void> => new Promise((resolve) => (rendered = resolve));
  const ready = new Promise<void>((resolve) => {
    const deck = new Deck({
      parent,
      width: size.width,
      height: size.height,
      views: new OrthographicView({ id: 'map' }),
      // The square [-1, 1]² fills the shorter side, as in the app.
      initialViewState: { target: [0, 0, 0], zoom: Math.log2(Math.min(size.width, size.height) / 2) },
      controller: true,
      useDevicePixels: true,
      onLoad: () => resolve(),
      onAfterRender: () => {
        const r = rendered;
        rendered = null;
        r?.();
      },
    });
    (globalThis as unknown as { deck: InstanceType<typeof Deck> }).deck = deck;
  });
  await ready;
  const deck = (globalThis as unknown as { deck: InstanceType<typeof Deck> }).deck;
  let position: { value: Float32Array; size: 2 } | null = null;
  let n = 0;
  const show = (category: Uint8Array): void => {
    const rgba = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) rgba.set(table[category[i]!]!, i * 4);
    deck.setProps({
      layers: [
        new ScatterplotLayer({
          id: 'points',
          // Binary attributes: the same position object keeps its GPU buffer on a colour change.
          data: {
            length: n,
            attributes: { getPosition: position!, getFillColor: { value: rgba, size: 4, normalized: true } },
          },
          radiusUnits: 'pixels',
          getRadius: n > 20_000 ? 1.5 : 2.5,
          stroked: false,
          // The cheapest fragment work it offers: no smoothed edge.
          antialiasing: false,
        }),
      ],
    });
  };
  return {
    async setPoints(xy, category) {
      n = xy.length / 2;
      position = { value: xy, size: 2 };
      const done = afterRender();
      show(category);
      await done;
    },
    async setCategories(category) {
      const done = afterRender();
      show(category);
      await done;
    },
  };
});
