import sharp from 'sharp';
import { pointColor, type ColorBy, type DecodedPoints } from './packed.ts';

export interface RenderOptions {
  size: number;
  colorBy: ColorBy;
  classColor: (classId: number) => string | undefined;
  /** Legend rows drawn in the corner (name and colour). */
  legend: { name: string; color: string }[];
  title: string;
}

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The map as a PNG: points blended into a raw RGB buffer (fast for 100 000 points, unlike an
 * SVG circle each), then a small SVG legend composited on top by sharp.
 */
export async function renderMapPng(p: DecodedPoints, opts: RenderOptions): Promise<Buffer> {
  const size = opts.size;
  const pixels = new Float32Array(size * size * 3).fill(255);
  const n = p.ids.length;
  // Smaller, fainter dots as the map fills up, so dense regions still show their structure.
  const radius = n > 20_000 ? 1 : n > 2_000 ? 2 : n > 500 ? 3 : 5;
  const alpha = n > 20_000 ? 0.35 : 0.75;
  const margin = 40;
  const scale = (size - 2 * margin) / 2;
  for (let i = 0; i < n; i++) {
    const [r, g, b] = rgb(pointColor(p, i, opts.colorBy, opts.classColor));
    const cx = margin + (p.xy[i * 2]! + 1) * scale;
    const cy = margin + (1 - p.xy[i * 2 + 1]!) * scale;
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        if (dx * dx + dy * dy > radius * radius + 0.5) continue;
        const x = Math.round(cx + dx);
        const y = Math.round(cy + dy);
        if (x < 0 || y < 0 || x >= size || y >= size) continue;
        const o = (y * size + x) * 3;
        pixels[o] = pixels[o]! * (1 - alpha) + r * alpha;
        pixels[o + 1] = pixels[o + 1]! * (1 - alpha) + g * alpha;
        pixels[o + 2] = pixels[o + 2]! * (1 - alpha) + b * alpha;
      }
    }
  }
  const raw = Buffer.from(Uint8ClampedArray.from(pixels).buffer);
  const rows = opts.legend.slice(0, 24);
  const legend =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<text x="12" y="24" font-family="sans-serif" font-size="16" fill="#222">${escapeXml(opts.title)}</text>` +
    rows
      .map(
        (row, i) =>
          `<rect x="${size - 180}" y="${14 + i * 20}" width="12" height="12" fill="${row.color}"/>` +
          `<text x="${size - 162}" y="${25 + i * 20}" font-family="sans-serif" font-size="13" fill="#222">${escapeXml(row.name.slice(0, 22))}</text>`,
      )
      .join('') +
    '</svg>';
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .composite([{ input: Buffer.from(legend), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
