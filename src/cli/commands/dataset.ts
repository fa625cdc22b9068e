import type { DatasetCounts, DatasetExportResult, ImportResult, ProjectInfo } from '../../api/contract.ts';
import {
  CliUsageError,
  requirePositional,
  stringOption,
  table,
  type CliCommand,
  type CliContext,
} from '../command.ts';
import { importFoundNothing } from '../../images/import-summary.ts';

function describeScan(verb: string, r: ImportResult): string {
  const c = r.counters;
  const lines = [
    `${verb} ${r.roots.join(', ')}: ${c.seen} image files seen, ${c.imported} imported, ` +
      `${c.failed} failed, ${c.duplicates} duplicates, ${c.skipped} skipped`,
  ];
  const more = [
    c.unchanged && `${c.unchanged} unchanged`,
    c.changed && `${c.changed} changed`,
    c.restored && `${c.restored} back from missing`,
    c.moved && `${c.moved} moved`,
    c.missing && `${c.missing} now missing`,
  ].filter(Boolean);
  if (more.length) lines.push(`  ${more.join(', ')}`);
  if (r.failures.length) {
    lines.push('', 'Failed (stored as unreadable):');
    for (const f of r.failures) lines.push(`  ${f.path}: ${f.reason}`);
  }
  if (r.duplicateFiles.length) {
    lines.push('', 'Duplicates (same content already imported):');
    for (const d of r.duplicateFiles) lines.push(`  ${d.path} = ${d.duplicateOf}`);
  }
  const notable = r.skippedFiles.filter(
    (s) => s.reason !== 'not an image file name' && s.reason !== 'hidden file or folder',
  );
  if (notable.length) {
    lines.push('', 'Skipped:');
    for (const s of notable) lines.push(`  ${s.path}: ${s.reason}`);
  }
  if (r.truncated) lines.push('', '(lists cut at 500 entries; the counts are complete)');
  if (r.noImagesReason) lines.push('', r.noImagesReason);
  return lines.join('\n');
}

async function runScan(
  ctx: CliContext,
  method: 'import.start' | 'import.rescan',
  args: { folder: string; labelsFromFolders: boolean } | { folder?: string },
): Promise<ImportResult> {
  const { jobId } =
    method === 'import.start'
      ? await ctx.call('import.start', args as { folder: string; labelsFromFolders: boolean })
      : await ctx.call('import.rescan', args);
  const info = await ctx.waitForJob(jobId);
  return info.result as ImportResult;
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import a folder of images (recursively); --labels-from-folders labels folder/<class>/<image>',
  usage: 'incept import <project> <folder> [--labels-from-folders] [--json]',
  options: { 'labels-from-folders': { type: 'boolean', default: false } },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const folder = requirePositional(positionals, 1, '<folder> (the folder of images to import)');
    const result = await runScan(ctx, 'import.start', {
      folder,
      labelsFromFolders: values['labels-from-folders'] === true,
    });
    // A folder with nothing usable is a failed import for scripts too; one already imported is not.
    return {
      json: result,
      text: describeScan('Imported', result),
      ...(importFoundNothing(result) ? { exitCode: 1 } : {}),
    };
  },
};

export const rescanCommand: CliCommand = {
  name: 'rescan',
  summary: 'Look again at imported folders: new, changed and missing files',
  usage: 'incept rescan <project> [folder] [--json]',
  run: async (ctx, positionals) => {
    await ctx.openProject(positionals[0]);
    const folder = positionals[1];
    const result = await runScan(ctx, 'import.rescan', folder === undefined ? {} : { folder });
    return { json: result, text: describeScan('Rescanned', result) };
  },
};

export function describeStatus(project: ProjectInfo, c: DatasetCounts): string {
  const lines = [
    `${project.name} (${project.path})`,
    `Images: ${c.total} (${c.ok} ok, ${c.unreadable} unreadable, ${c.missing} missing)`,
    `Labeled: ${c.labeled}, unlabeled: ${c.unlabeled}`,
    `Splits: train ${c.perSplit.train}, validation ${c.perSplit.validation}, test ${c.perSplit.test}`,
  ];
  if (c.perClass.length) {
    lines.push(
      '',
      table([
        ['Class', 'Images', 'Train', 'Validation', 'Test'],
        ...c.perClass.map((p) => [p.name, p.count, p.train, p.validation, p.test]),
      ]),
    );
  } else {
    lines.push('', 'No classes yet.');
  }
  return lines.join('\n');
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show image, label, class and split counts of a project',
  usage: 'incept status <project> [--json]',
  run: async (ctx, positionals) => {
    await ctx.openProject(positionals[0]);
    const project = (await ctx.call('project.current', {}))!;
    const counts = await ctx.call('images.counts', {});
    return { json: { project, ...counts }, text: describeStatus(project, counts) };
  },
};

export const labelCommand: CliCommand = {
  name: 'label',
  summary: 'Apply labels from a CSV of path,label (one undo step)',
  usage: 'incept label <project> --csv FILE [--existing-classes-only] [--json]',
  options: { csv: { type: 'string' }, 'existing-classes-only': { type: 'boolean', default: false } },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const file = stringOption(values, 'csv');
    if (file === undefined) throw new CliUsageError('--csv FILE is required');
    const r = await ctx.call('dataset.importCsv', {
      file,
      createClasses: values['existing-classes-only'] !== true,
    });
    const lines = [
      `${r.rows} rows: ${r.changed} labels changed, ${r.unchanged} already so, ${r.problemCount} not applied`,
    ];
    if (r.createdClasses.length) lines.push(`New classes: ${r.createdClasses.join(', ')}`);
    if (r.problems.length) {
      lines.push('', 'Not applied:');
      for (const p of r.problems) lines.push(`  line ${p.line}: ${p.path}: ${p.reason}`);
    }
    return { json: r, text: lines.join('\n') };
  },
};

export const exportDatasetCommand: CliCommand = {
  name: 'export-dataset',
  summary: 'Export the labels as CSV or as a folder per class (copies, hard links or symlinks)',
  usage:
    'incept export-dataset <project> --format csv|folders --out DIR [--mode copy|hardlink|symlink] [--json]',
  options: { format: { type: 'string' }, out: { type: 'string' }, mode: { type: 'string' } },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const format = stringOption(values, 'format');
    const out = stringOption(values, 'out');
    const mode = stringOption(values, 'mode');
    if (format !== 'csv' && format !== 'folders') throw new CliUsageError('--format must be csv or folders');
    if (out === undefined) throw new CliUsageError('--out is required');
    if (mode !== undefined && mode !== 'copy' && mode !== 'hardlink' && mode !== 'symlink')
      throw new CliUsageError('--mode must be copy, hardlink or symlink');
    if (mode !== undefined && format === 'csv')
      throw new CliUsageError('--mode applies to --format folders only');
    const { jobId } = await ctx.call(
      'dataset.export',
      mode === undefined ? { format, out } : { format, out, mode },
    );
    const r = (await ctx.waitForJob(jobId)).result as DatasetExportResult;
    const lines = [`Wrote ${r.written} ${format === 'csv' ? 'rows to' : 'images into'} ${r.out}`];
    if (r.skipped.length) {
      lines.push('', 'Skipped:');
      for (const s of r.skipped) lines.push(`  ${s.path}: ${s.reason}`);
    }
    return { json: r, text: lines.join('\n') };
  },
};
