import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { ModelError } from '../../../src/model/errors.ts';
import {
  INPUT_SIZE,
  MEAN_BGR,
  decodeRgb224,
  preprocessImage,
  toModelInput,
} from '../../../src/model/preprocess.ts';

type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const YELLOW: Rgb = [255, 255, 0];

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'incept-preprocess-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An RGB image whose colour at (x, y) is `paint(x, y)`. */
function image(width: number, height: number, paint: (x: number, y: number) => Rgb) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(paint(x, y), (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

function pixel(rgb: Uint8Array, x: number, y: number): Rgb {
  const i = (y * INPUT_SIZE + x) * 3;
  return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
}

function assertColour(got: Rgb, want: Rgb, where: string, tol = 2): void {
  assert.ok(
    got.every((v, i) => Math.abs(v - want[i]!) <= tol),
    `${where}: got rgb(${got.join(', ')}), want rgb(${want.join(', ')})`,
  );
}

// 448×300: green for x < 112, red for 112 ≤ x < 224, blue from 224.
const bands = (x: number): Rgb => (x < 112 ? GREEN : x < 224 ? RED : BLUE);

test('center crop: shorter side to 224, then the middle 224 columns', async () => {
  const path = join(dir, 'bands.png');
  await image(448, 300, bands).png().toFile(path);
  const rgb = await decodeRgb224(path);
  assert.equal(rgb.length, 224 * 224 * 3);
  // Scale 224/300; ~55 columns cut from each side of the 334-wide resize.
  assertColour(pixel(rgb, 5, 100), GREEN, 'x=5 (source x≈80)');
  assertColour(pixel(rgb, 40, 100), RED, 'x=40 (source x≈127)');
  assertColour(pixel(rgb, 100, 10), RED, 'x=100 (source x≈208)');
  assertColour(pixel(rgb, 124, 200), BLUE, 'x=124 (source x≈240)');
  assertColour(pixel(rgb, 220, 100), BLUE, 'x=220');
});

test('squash: both sides to 224, nothing cut', async () => {
  const path = join(dir, 'bands-squash.png');
  await image(448, 300, bands).png().toFile(path);
  const rgb = await decodeRgb224(path, { crop: 'squash' });
  assertColour(pixel(rgb, 5, 100), GREEN, 'x=5');
  assertColour(pixel(rgb, 40, 100), GREEN, 'x=40 (source x=80)');
  assertColour(pixel(rgb, 100, 100), RED, 'x=100 (source x=200)');
  assertColour(pixel(rgb, 124, 100), BLUE, 'x=124 (source x=248)');
});

test('center crop of a tall image cuts top and bottom', async () => {
  const path = join(dir, 'tall.png');
  await image(300, 600, (_x, y) => (y < 150 ? YELLOW : y < 450 ? BLUE : GREEN))
    .png()
    .toFile(path);
  const crop = await decodeRgb224(path);
  assertColour(pixel(crop, 112, 10), BLUE, 'top of the crop');
  assertColour(pixel(crop, 112, 213), BLUE, 'bottom of the crop');
  const squash = await decodeRgb224(path, { crop: 'squash' });
  assertColour(pixel(squash, 112, 10), YELLOW, 'squash top');
  assertColour(pixel(squash, 112, 213), GREEN, 'squash bottom');
});

test('model input is BGR minus the ImageNet means, NHWC float32', async () => {
  const path = join(dir, 'bands-input.png');
  await image(448, 300, bands).png().toFile(path);
  const input = await preprocessImage(path);
  assert.equal(input.length, 224 * 224 * 3);
  const at = (x: number, y: number) => Array.from(input.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3));
  const [mb, mg, mr] = MEAN_BGR;
  const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]!) <= 2);
  assert.ok(near(at(40, 100), [0 - mb, 0 - mg, 255 - mr]), `red pixel → ${at(40, 100).join(', ')}`);
  assert.ok(near(at(200, 100), [255 - mb, 0 - mg, 0 - mr]), `blue pixel → ${at(200, 100).join(', ')}`);
  assert.ok(near(at(5, 100), [0 - mb, 255 - mg, 0 - mr]), `green pixel → ${at(5, 100).join(', ')}`);
});

test('toModelInput exact values, and writing into a batch buffer at an offset', () => {
  const rgb = new Uint8Array(224 * 224 * 3);
  rgb.set([10, 20, 30], 0);
  rgb.set([255, 128, 0], 3 * 224 * 224 - 3);
  const one = toModelInput(rgb);
  assert.deepEqual(
    Array.from(one.subarray(0, 3)),
    Array.from(Float32Array.from([30 - 103.939, 20 - 116.779, 10 - 123.68])),
  );
  const batch = new Float32Array(2 * 224 * 224 * 3);
  toModelInput(rgb, batch, 224 * 224 * 3);
  assert.deepEqual(
    Array.from(batch.subarray(224 * 224 * 3, 224 * 224 * 3 + 3)),
    Array.from(one.subarray(0, 3)),
  );
  assert.equal(batch[0], 0);
  assert.throws(() => toModelInput(new Uint8Array(10)), /150528 RGB bytes/);
});

test('EXIF orientation is applied', async () => {
  // Stored landscape, top half red, bottom half blue; orientation 6 means "rotate 90° clockwise to view".
  const path = join(dir, 'rotated.jpg');
  await image(200, 100, (_x, y) => (y < 50 ? RED : BLUE))
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toFile(path);
  assert.equal((await sharp(path).metadata()).orientation, 6);
  const rgb = await decodeRgb224(path);
  // Viewed upright the red top becomes the right side.
  const left = pixel(rgb, 30, 112);
  const right = pixel(rgb, 190, 112);
  assert.ok(left[2] > 200 && left[0] < 60, `left should be blue, got ${left.join(', ')}`);
  assert.ok(right[0] > 200 && right[2] < 60, `right should be red, got ${right.join(', ')}`);
});

test('transparency is flattened onto white', async () => {
  const width = 100;
  const raw = Buffer.alloc(width * width * 4);
  for (let i = 0; i < width * width; i++) {
    const x = i % width;
    raw.set(x < 50 ? [0, 0, 0, 0] : [0, 0, 255, 255], i * 4);
  }
  const path = join(dir, 'alpha.png');
  await sharp(raw, { raw: { width, height: width, channels: 4 } })
    .png()
    .toFile(path);
  const rgb = await decodeRgb224(path);
  assertColour(pixel(rgb, 20, 112), [255, 255, 255], 'transparent half');
  assertColour(pixel(rgb, 200, 112), BLUE, 'opaque half');
});

test('greyscale, greyscale+alpha and 16-bit PNGs become 8-bit RGB', async () => {
  const grey = join(dir, 'grey.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .toColourspace('b-w')
    .png()
    .toFile(grey);
  assert.equal((await sharp(grey).metadata()).channels, 1);
  assertColour(pixel(await decodeRgb224(grey), 100, 100), [128, 128, 128], 'grey');

  const greyAlpha = join(dir, 'grey-alpha.png');
  await sharp({
    create: { width: 64, height: 48, channels: 4, background: { r: 60, g: 60, b: 60, alpha: 1 } },
  })
    .toColourspace('b-w')
    .png()
    .toFile(greyAlpha);
  assertColour(pixel(await decodeRgb224(greyAlpha), 100, 100), [60, 60, 60], 'grey + alpha');

  const deep = join(dir, 'deep.png');
  await image(64, 48, () => [200, 100, 50])
    .toColourspace('rgb16')
    .png()
    .toFile(deep);
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  assertColour(pixel(await decodeRgb224(deep), 100, 100), [200, 100, 50], '16-bit');
});

test('CMYK JPEGs are converted to sRGB', async () => {
  const path = join(dir, 'cmyk.jpg');
  await image(64, 64, () => RED)
    .toColourspace('cmyk')
    .jpeg({ quality: 95 })
    .toFile(path);
  assert.equal((await sharp(path).metadata()).space, 'cmyk');
  const [r, g, b] = pixel(await decodeRgb224(path), 112, 112);
  assert.ok(r > 180 && g < 90 && b < 90, `expected red, got ${r}, ${g}, ${b}`);
});

test('an unreadable file is a ModelError naming the file', async () => {
  const path = join(dir, 'broken.jpg');
  await writeFile(path, 'not an image at all');
  await assert.rejects(decodeRgb224(path), (err: unknown) => {
    assert.ok(err instanceof ModelError);
    assert.equal(err.code, 'image_decode');
    assert.ok(err.message.includes(path));
    return true;
  });
});
