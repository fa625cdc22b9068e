/**
 * Augmented views of an image for training: a mirror of the model's own crop, and four corner
 * crops of the image resized to 256 (the classic ImageNet crop set). Each is 224×224 RGB, like
 * decodeRgb224, so the same engine turns them into feature variants 1..5.
 */
import sharp from 'sharp';
import { ModelError, errorMessage } from './errors.ts';
import { INPUT_SIZE, MAX_INPUT_PIXELS, decodeRgb224, type CropMode } from './preprocess.ts';

const AUGMENT_SIZE = 256;

export async function decodeAugmentedRgb224(path: string, crop: CropMode): Promise<Uint8Array[]> {
  const base = await decodeRgb224(path, { crop });
  const mirror = await sharp(base, { raw: { width: INPUT_SIZE, height: INPUT_SIZE, channels: 3 } })
    .flop()
    .raw()
    .toBuffer();
  try {
    const { data, info } = await sharp(path, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(AUGMENT_SIZE, AUGMENT_SIZE, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const max = AUGMENT_SIZE - INPUT_SIZE;
    const corners: [number, number][] = [
      [0, 0],
      [max, 0],
      [0, max],
      [max, max],
    ];
    const crops = await Promise.all(
      corners.map(([left, top]) =>
        sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
          .extract({ left, top, width: INPUT_SIZE, height: INPUT_SIZE })
          .raw()
          .toBuffer(),
      ),
    );
    return [mirror, ...crops].map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (err) {
    throw new ModelError('image_decode', `Could not make augmented views of ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
