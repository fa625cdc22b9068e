import { bridge } from './desktop.ts';

export type ImageVariant = 'thumb' | 'full';

/**
 * Where an image's pixels come from: Electron serves them through the `incept-img://` protocol,
 * browser mode through `/img/<id>/<variant>` on the same origin (the access-token cookie rides
 * along). The one place that decides, so no component builds image URLs itself.
 */
export function imageUrl(id: number, variant: ImageVariant = 'thumb'): string {
  if (typeof window !== 'undefined' && window.incept) {
    return bridge()?.imageUrl?.(id, variant) ?? `incept-img://${id}/${variant}`;
  }
  return `/img/${id}/${variant}`;
}
