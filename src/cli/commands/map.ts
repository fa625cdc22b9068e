import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SPLITS, type MapPoints } from '../../api/contract.ts';
import {
  concatPoints,
  decodePoints,
  NONE_COLOR,
  SPLIT_COLORS,
  MISLABELED_COLOR,
  type ColorBy,
  type DecodedPoints,
} from '../../map/packed.ts';
import { renderMapPng } from '../../map/render-png.ts';
import { CliUsageError, numberOption, stringOption, type CliCommand, type CliContext } from '../command.ts';

const COLOR_BY: ColorBy[] = ['label', 'predicted', 'confidence', 'split', 'mislabeled'];
const PAGE = 100_000;

async function allPoints(
  ctx: CliContext,
  layout: 'auto' | 'pca' | 'umap',
): Promise<{ first: MapPoints; points: DecodedPoints }> {
  const first = await ctx.call('map.points', { layout, offset: 0, limit: PAGE });
  let points = decodePoints(first);
  while (points.ids.length < first.total) {
    const next = await ctx.call('map.points', {
      layout: first.method,
      offset: points.ids.length,
      limit: PAGE,
    });
    if (next.count === 0) break;
    points = concatPoints(points, decodePoints(next));
  }
  return { first, points };
}

export const mapCommand: CliCommand = {
  name: 'map',
  summary: 'Draw the map of every image (PCA, or UMAP with --layout umap) to a PNG',
  usage:
    'incept map <project> --out map.png [--layout auto|pca|umap] [--color label|predicted|confidence|split|mislabeled] [--size PX] [--json]',
  options: {
    out: { type: 'string' },
    layout: { type: 'string' },
    color: { type: 'string' },
    size: { type: 'string' },
  },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const out = stringOption(values, 'out');
    if (!out) throw new CliUsageError('--out FILE.png is required');
    const layout = (stringOption(values, 'layout') ?? 'auto') as 'auto' | 'pca' | 'umap';
    if (!['auto', 'pca', 'umap'].includes(layout)) throw new CliUsageError('--layout is auto, pca or umap');
    const colorBy = (stringOption(values, 'color') ?? 'label') as ColorBy;
    if (!COLOR_BY.includes(colorBy)) throw new CliUsageError(`--color is one of ${COLOR_BY.join(', ')}`);
    const size = numberOption(values, 'size') ?? 1200;
    if (!Number.isInteger(size) || size < 200 || size > 8000)
      throw new CliUsageError('--size is a whole number of pixels, 200 to 8000');
    if (layout === 'umap') {
      const { jobId } = await ctx.call('map.layout', { method: 'umap', force: false });
      await ctx.waitForJob(jobId);
    }
    const { first, points } = await allPoints(ctx, layout);
    const classes = await ctx.call('classes.list', {});
    const colorOf = new Map(classes.map((c) => [c.id, c.color]));
    const legend =
      colorBy === 'split'
        ? SPLITS.map((name, i) => ({ name, color: SPLIT_COLORS[i]! }))
        : colorBy === 'mislabeled'
          ? [{ name: 'likely mislabeled', color: MISLABELED_COLOR }]
          : colorBy === 'confidence'
            ? [
                { name: 'confident', color: '#28b446' },
                { name: 'unsure', color: '#e63c46' },
              ]
            : [
                ...classes.map((c) => ({ name: c.name, color: c.color })),
                { name: colorBy === 'label' ? 'unlabeled' : 'no prediction', color: NONE_COLOR },
              ];
    const file = resolve(out);
    const png = await renderMapPng(points, {
      size,
      colorBy,
      classColor: (id) => colorOf.get(id),
      legend,
      title: `${points.ids.length} images · ${first.method.toUpperCase()} · colour: ${colorBy}`,
    });
    writeFileSync(file, png);
    const summary = {
      out: file,
      method: first.method,
      points: points.ids.length,
      withoutFeatures: first.withoutFeatures,
      umap: first.umap,
      colorBy,
    };
    const notes = [
      `Wrote ${file}: ${summary.points} images (${first.method.toUpperCase()}), coloured by ${colorBy}.`,
      first.withoutFeatures > 0
        ? `${first.withoutFeatures} images have no features yet ("incept embed" computes them).`
        : '',
      first.method === 'pca' && first.umap !== 'current' ? 'A better layout: --layout umap.' : '',
    ];
    return { json: summary, text: notes.filter(Boolean).join('\n') };
  },
};

export const clustersCommand: CliCommand = {
  name: 'clusters',
  summary: 'Propose groups of the unlabeled images (k-means; k picked automatically unless --k)',
  usage: 'incept clusters <project> [--k N] [--all] [--json]',
  options: { k: { type: 'string' }, all: { type: 'boolean', default: false } },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const k = numberOption(values, 'k');
    if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > 50))
      throw new CliUsageError('--k is a whole number from 1 to 50');
    const proposal = await ctx.call('clusters.propose', {
      ...(k !== undefined ? { k } : {}),
      scope: values.all === true ? 'all' : 'unlabeled',
      typical: 3,
      atypical: 2,
    });
    const lines = [
      `${proposal.k} groups${proposal.automatic ? ' (picked by silhouette)' : ''}` +
        (proposal.silhouette !== null ? `, silhouette ${proposal.silhouette.toFixed(2)}` : '') +
        (proposal.withoutFeatures > 0
          ? `; ${proposal.withoutFeatures} images without features left out`
          : ''),
    ];
    for (const c of proposal.clusters) {
      const typical = await Promise.all(c.typical.map((id) => ctx.call('images.get', { id })));
      lines.push(`  group ${c.index + 1}: ${c.size} images, e.g. ${typical.map((r) => r.name).join(', ')}`);
    }
    return { json: proposal, text: lines.join('\n') };
  },
};
