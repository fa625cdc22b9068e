/**
 * The pan-and-zoom gesture and frame statistics shared by the studio's map bench and the
 * renderer comparison, so both measure the same movement the same way.
 */
import type { Page } from 'playwright-core';

export const round = (n: number): number => Math.round(n * 10) / 10;

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Three rounds of a drag across the centre followed by 15 wheel steps (in, out, in). */
export async function dragAndWheel(page: Page, cx: number, cy: number): Promise<void> {
  for (let round_ = 0; round_ < 3; round_++) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 200, cy + 80, { steps: 30 });
    await page.mouse.move(cx - 150, cy - 60, { steps: 30 });
    await page.mouse.up();
    for (let i = 0; i < 15; i++) await page.mouse.wheel(0, round_ === 1 ? 120 : -120);
  }
}

export interface FrameStats {
  frames: number;
  frameMs: { p50: number; p95: number; max: number };
  over50ms: number;
}

/** Percentiles of frame intervals (ms); `gaps` need not be sorted. */
export function frameStats(gaps: number[]): FrameStats {
  const sorted = [...gaps].sort((x, y) => x - y);
  return {
    frames: sorted.length,
    frameMs: {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      max: round(sorted.at(-1) ?? NaN),
    },
    over50ms: sorted.filter((g) => g > 50).length,
  };
}
