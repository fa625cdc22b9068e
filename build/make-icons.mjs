#!/usr/bin/env node
// Draws the app icon (build/icons/<size>x<size>.png) from the SVG below with sharp. The PNGs
// are committed; run this again only when the drawing changes: node build/make-icons.mjs
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = fileURLToPath(new URL('./icons/', import.meta.url));

// A picture frame (the images) with a label tag (the labelling) on an indigo-to-teal tile.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#4338ca"/>
      <stop offset="1" stop-color="#0d9488"/>
    </linearGradient>
  </defs>
  <rect x="16" y="16" width="480" height="480" rx="104" fill="url(#bg)"/>
  <rect x="104" y="128" width="304" height="248" rx="28" fill="none" stroke="#fff" stroke-width="28"/>
  <circle cx="196" cy="212" r="28" fill="#fff"/>
  <path d="M132 350 L226 262 L286 318 L330 278 L384 350 Z" fill="#fff"/>
  <g transform="translate(318 88) rotate(20)">
    <path d="M0 0 H92 L124 36 L92 72 H0 Z" fill="#facc15" stroke="#1e1b4b" stroke-width="10" stroke-linejoin="round"/>
    <circle cx="88" cy="36" r="10" fill="#1e1b4b"/>
  </g>
</svg>`;

mkdirSync(dir, { recursive: true });
for (const size of [512, 256]) {
  const file = `${dir}${size}x${size}.png`;
  await sharp(Buffer.from(svg))
    .resize(size, size)
    .png({ palette: true, compressionLevel: 9, effort: 10 })
    .toFile(file);
  console.log(file);
}
