import { bridge } from './desktop.ts';

export type ImageVariant = 'thumb' | 'full';

/**
 * Where an image's pixels come from: Electron serves them through the `incept-img://` protocol,
 * browser mode through `/img/<id>/<sha256>/<variant>` on the same origin (the access-token
 * cookie rides along). The content hash makes the address name these very pixels, so a cached
 * picture is never shown for another project's image with the same id, nor for a changed file.
 * The one place that decides, so no component builds image URLs itself.
 */
export function imageUrl(
  image: { id: number; hash: string | null },
  variant: ImageVariant = 'thumb',
): string {
  // An image without a hash could not be read: the bare address is never cached.
  const rest = image.hash ? `${image.id}/${image.hash}/${variant}` : `${image.id}/${variant}`;
  if (typeof window !== 'undefined' && window.incept) {
    const viaBridge = image.hash ? bridge()?.imageUrl?.(image.id, image.hash, variant) : undefined;
    return viaBridge ?? `incept-img://${rest}`;
  }
  return `/img/${rest}`;
}
