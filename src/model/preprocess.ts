/**
 * The one image preprocessing of Incept, shared by training, prediction and the export self-check,
 * so a model never sees images prepared two different ways.
 *
 * decodeRgb224: decode (JPEG shrink-on-load), apply EXIF orientation, flatten transparency onto
 * white, convert to 8-bit sRGB, scale the shorter side to 224 and centre-crop 224×224 (or squash
 * both sides to 224), giving RGB bytes. toModelInput: RGB → BGR, subtract the ImageNet means
 * (0..255 scale), as float32 NHWC — what the BVLC GoogLeNet was trained on.
 *
 * Transparent pixels become white because product shots and icons with alpha are drawn on white
 * in practice; black (sharp's default) would turn them into dark silhouettes.
 */
import sharp from 'sharp';
import { ModelError, errorMessage } from './errors.ts';
import { PRESETS, type Preprocessing } from '../domain/preprocessing.ts';
import type { CropMode } from '../domain/model.ts';

export const INPUT_SIZE = 224;
/** ImageNet channel means in BGR order, 0..255 scale (Caffe's ilsvrc_2012_mean, per channel). */
export const MEAN_BGR = Object.freeze([103.939, 116.779, 123.68] as const);
/** Refuse decompression bombs: 100 megapixels is far beyond any camera photo. */
export const MAX_INPUT_PIXELS = 100_000_000;

export type { CropMode };

/** How inputs are prepared, for model metadata and exported model cards. */
export const PREPROCESSING = Object.freeze({
  inputSize: INPUT_SIZE,
  layout: 'NHWC',
  channelOrder: 'BGR',
  scale: '0..255',
  meanBGR: MEAN_BGR,
  resize:
    'shorter side to 224 with lanczos3, then centre crop 224x224 (crop: "center"); or both sides to 224 (crop: "squash")',
  orientation: 'EXIF orientation applied',
  alpha: 'flattened onto white',
  colourspace: 'sRGB, 8 bits per channel',
} as const);

export type ImageSource = string | Buffer | Uint8Array;

export interface DecodeOptions {
  crop?: CropMode;
}

function describe(input: ImageSource): string {
  return typeof input === 'string' ? input : `image data (${input.length} bytes)`;
}

/** Decodes any image sharp reads into 224×224 RGB bytes (row-major, 3 bytes per pixel). */
export async function decodeRgb224(input: ImageSource, opts: DecodeOptions = {}): Promise<Uint8Array> {
  const crop = opts.crop ?? 'center';
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .resize(INPUT_SIZE, INPUT_SIZE, {
        fit: crop === 'squash' ? 'fill' : 'cover',
        position: 'centre',
        kernel: 'lanczos3',
        fastShrinkOnLoad: true,
      })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.width !== INPUT_SIZE || info.height !== INPUT_SIZE || info.channels !== 3) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels} instead of 224×224×3`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    const msg = errorMessage(err);
    const hint = /pixel limit/i.test(msg)
      ? `it has more than ${MAX_INPUT_PIXELS / 1e6} megapixels; scale it down first`
      : /unsupported image format|Input file is missing|bad seek|corrupt|premature/i.test(msg)
        ? 'it is not a readable JPEG, PNG, WebP, GIF, TIFF or AVIF image (or it is damaged)'
        : msg;
    throw new ModelError('image_decode', `Could not read ${describe(input)}: ${hint}.`, { cause: err });
  }
}

/**
 * 224×224 RGB bytes → float32 NHWC as the model wants them (its preprocessing; by default the
 * Caffe zoo's BGR minus the ImageNet means). Writes into `out` at `offset` (in floats) when given,
 * so a batch can be filled in place.
 */
export function toModelInput(
  rgb: Uint8Array,
  out?: Float32Array,
  offset = 0,
  pre: Preprocessing = PRESETS.caffe,
): Float32Array {
  const pixels = INPUT_SIZE * INPUT_SIZE;
  if (rgb.length !== pixels * 3) {
    throw new ModelError('bad_input', `Expected ${pixels * 3} RGB bytes (224×224×3), got ${rgb.length}.`);
  }
  const target = out ?? new Float32Array(pixels * 3);
  if (target.length < offset + pixels * 3)
    throw new ModelError('bad_input', 'Output buffer too small for one image.');
  // Source channel (in RGB) of each output channel, and value = pixel · a[c] − b[c].
  const src = pre.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const a = pre.std.map((s) => pre.scale / s);
  const b = pre.mean.map((m, c) => m / (pre.std[c] as number));
  const [s0, s1, s2] = src as [number, number, number];
  const [a0, a1, a2] = a as [number, number, number];
  const [b0, b1, b2] = b as [number, number, number];
  for (let p = 0, o = offset; p < pixels * 3; p += 3, o += 3) {
    target[o] = (rgb[p + s0] as number) * a0 - b0;
    target[o + 1] = (rgb[p + s1] as number) * a1 - b1;
    target[o + 2] = (rgb[p + s2] as number) * a2 - b2;
  }
  return target;
}

/** decodeRgb224 + toModelInput. */
export async function preprocessImage(
  input: ImageSource,
  opts: DecodeOptions = {},
  pre: Preprocessing = PRESETS.caffe,
): Promise<Float32Array> {
  return toModelInput(await decodeRgb224(input, opts), undefined, 0, pre);
}
