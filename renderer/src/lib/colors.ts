/** Black or white, whichever reads better on a `#rrggbb` background (WCAG relative luminance). */
export function textOn(hex: string): '#000000' | '#ffffff' {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '#000000';
  const lin = (c: string): number => {
    const v = parseInt(c, 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(m[1]!) + 0.7152 * lin(m[2]!) + 0.0722 * lin(m[3]!);
  // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05); they cross at ~0.179.
  return l > 0.179 ? '#000000' : '#ffffff';
}

/** Background for a confusion-matrix cell: the accent at an opacity that grows with the share. */
export function heat(share: number): string {
  const a = Math.max(0, Math.min(1, share));
  return `color-mix(in srgb, var(--accent) ${Math.round(a * 85)}%, transparent)`;
}
