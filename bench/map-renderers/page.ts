/**
 * The page side of `bench/map-renderers.ts`: one renderer behind a small adapter, the same data
 * and the same timings for every library. The page is served with the app's own
 * Content-Security-Policy, so a library that needs eval, a blob: worker or remote code shows
 * that here as an error or a policy violation.
 */

export interface PlotAdapter {
  /** Resolves once the library reports the points drawn (its own after-render signal). */
  setPoints(xy: Float32Array, category: Uint8Array): Promise<void>;
  /** New categories for the same points (a label change): resolves once drawn. */
  setCategories(category: Uint8Array): Promise<void>;
}

export type MakeAdapter = (
  parent: HTMLElement,
  size: { width: number; height: number },
  palette: readonly string[],
) => Promise<PlotAdapter>;

export interface PageResult {
  dataToDrawMs: number;
  dataToNextFrameMs: number;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324'];

function nextFrame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}

/** Ten blobs in [-1, 1]², the shape a PCA of real features gives; deterministic. */
function points(n: number): { xy: Float32Array; category: Uint8Array } {
  let s = 7;
  const random = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const centers = Array.from({ length: 10 }, () => [random() * 1.2 - 0.6, random() * 1.2 - 0.6] as const);
  const xy = new Float32Array(n * 2);
  const category = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = centers[i % 10]!;
    // Sum of uniforms: a cheap bell shape.
    xy[i * 2] = c[0] + (random() + random() + random() - 1.5) * 0.18;
    xy[i * 2 + 1] = c[1] + (random() + random() + random() - 1.5) * 0.18;
    category[i] = i % PALETTE.length;
  }
  return { xy, category };
}

export function runHarness(make: MakeAdapter): void {
  const violations: string[] = [];
  const errors: string[] = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}`),
  );
  addEventListener('error', (e) => errors.push(String(e.error ?? e.message)));
  addEventListener('unhandledrejection', (e) => errors.push(String(e.reason)));
  const parent = document.getElementById('plot')!;
  const size = { width: parent.clientWidth, height: parent.clientHeight };
  let adapter: PlotAdapter | null = null;
  let current: Uint8Array | null = null;
  let gaps: number[] = [];
  let recording = false;

  const api = {
    violations,
    errors,
    /** The view opens before its data arrives, as the Map tab does while `map.points` loads. */
    async open(): Promise<void> {
      adapter ??= await make(parent, size, PALETTE);
    },
    async load(n: number): Promise<PageResult> {
      adapter ??= await make(parent, size, PALETTE);
      const data = points(n);
      current = data.category;
      // Settle first, so the timing starts from an idle page like the app's data arrival does.
      await nextFrame();
      const t0 = performance.now();
      await adapter.setPoints(data.xy, data.category);
      const drawn = performance.now();
      const frame = await nextFrame();
      return { dataToDrawMs: drawn - t0, dataToNextFrameMs: Math.max(frame, drawn) - t0 };
    },
    /** A label change on 10 % of the points: colours only. */
    async recolor(): Promise<PageResult> {
      if (!adapter || !current) throw new Error('load first');
      const next = Uint8Array.from(current);
      for (let i = 0; i < next.length; i += 10) next[i] = (next[i]! + 1) % PALETTE.length;
      current = next;
      await nextFrame();
      const t0 = performance.now();
      await adapter.setCategories(next);
      const drawn = performance.now();
      const frame = await nextFrame();
      return { dataToDrawMs: drawn - t0, dataToNextFrameMs: Math.max(frame, drawn) - t0 };
    },
    startFrames(): void {
      gaps = [];
      recording = true;
      let last = performance.now();
      const tick = (now: number): void => {
        gaps.push(now - last);
        last = now;
        if (recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    },
    stopFrames(): number[] {
      recording = false;
      return gaps.slice(1);
    },
  };
  (globalThis as unknown as { bench: typeof api }).bench = api;
}
