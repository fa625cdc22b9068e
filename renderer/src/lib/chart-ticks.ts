/**
 * Axis labels with one number of decimals for the whole axis, read off the step between ticks:
 * 0.0, 0.5, 1.0 — never "1.0" beside "0.00".
 */
export function tickLabels(ticks: readonly number[], opts: { percent?: boolean } = {}): string[] {
  const scale = opts.percent ? 100 : 1;
  const values = ticks.map((t) => t * scale);
  let step = Infinity;
  for (let i = 1; i < values.length; i++) {
    const d = Math.abs(values[i]! - values[i - 1]!);
    if (d > 0) step = Math.min(step, d);
  }
  if (!Number.isFinite(step)) step = Math.abs(values[0] ?? 1) || 1;
  // Round away float noise (0.30000000000000004) before reading the step's decimals.
  step = Number(step.toPrecision(6));
  let decimals = 0;
  while (decimals < 4 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6)
    decimals++;
  return values.map((v) => {
    const text = (Object.is(Math.round(v * 10 ** decimals), -0) ? 0 : v).toFixed(decimals);
    return opts.percent ? `${text}%` : text;
  });
}
