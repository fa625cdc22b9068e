import type {
  ExportReport,
  ImagePrediction,
  ModelStatus,
  RunDetail,
  SplitMetrics,
} from '../../api/contract.ts';
import { formatDuration } from '../progress.ts';
import {
  CliUsageError,
  numberOption,
  stringOption,
  table,
  type CliCommand,
  type ParsedValues,
} from '../command.ts';
import { readFileSync } from 'node:fs';
import { type PreprocessingChoice } from '../../model/pixel-presets.ts';
import { describePreprocessing } from '../../domain/preprocessing.ts';

function describeStatus(s: ModelStatus): string {
  if (!s.ready) {
    const lines = [`Model: not ready. ${s.problem ?? ''}`];
    if (s.library.length > 0) {
      lines.push('', 'Already on this machine (use one with --use SHA256-PREFIX):');
      for (const m of s.library)
        lines.push(`  ${m.sha256.slice(0, 12)}  ${m.name}  (${m.source}, added ${m.addedAt.slice(0, 10)})`);
    }
    return lines.join('\n');
  }
  const m = s.model!;
  return [
    `Model: ${m.name} (sha256 ${m.sha256.slice(0, 12)}…, opset ${m.opset}, ${m.featureDim} features, ${m.numClasses} classes)`,
    `Preprocessing: ${m.preprocessing ? describePreprocessing(m.preprocessing) : 'not chosen'}` +
      (m.preprocessingFrom ? ` (${m.preprocessingFrom})` : ''),
    `Engine: ${s.engine ?? 'none'}`,
    `Features: ${s.features.done}/${s.features.images} images${s.features.failed ? `, ${s.features.failed} failed` : ''}`,
  ].join('\n');
}

function numberList(values: ParsedValues, name: string): number[] {
  const raw = stringOption(values, name);
  if (raw === undefined) throw new CliUsageError(`--preprocessing custom needs --${name} A,B,C`);
  const list = raw.split(',').map((v) => Number(v.trim()));
  if (list.length !== 3 || list.some((v) => !Number.isFinite(v))) {
    throw new CliUsageError(`--${name} needs three numbers separated by commas, e.g. 0.485,0.456,0.406`);
  }
  return list;
}

/** --preprocessing caffe|torchvision|tf, or custom with its parts. */
function preprocessingOption(values: ParsedValues): PreprocessingChoice | undefined {
  const preset = stringOption(values, 'preprocessing');
  if (preset === undefined) {
    for (const part of ['channels', 'scale', 'mean', 'std']) {
      if (stringOption(values, part) !== undefined)
        throw new CliUsageError(`--${part} goes with --preprocessing custom`);
    }
    return undefined;
  }
  if (preset === 'caffe' || preset === 'torchvision' || preset === 'tf') return preset;
  if (preset !== 'custom')
    throw new CliUsageError('--preprocessing must be caffe, torchvision, tf or custom');
  const channels = (stringOption(values, 'channels') ?? '').toUpperCase();
  if (channels !== 'RGB' && channels !== 'BGR')
    throw new CliUsageError('--preprocessing custom needs --channels rgb or bgr');
  const scale = numberOption(values, 'scale');
  if (scale === undefined)
    throw new CliUsageError('--preprocessing custom needs --scale (e.g. 1, or 0.00392157 for 1/255)');
  return { channelOrder: channels, scale, mean: numberList(values, 'mean'), std: numberList(values, 'std') };
}

export const modelCommand: CliCommand = {
  name: 'model',
  summary:
    'Show, download (--download), import (--file F) or reuse (--use SHA256-PREFIX) the pretrained model',
  usage:
    'incept model <project> [--download [--url URL --sha256 HEX]] [--file model.onnx] [--use SHA256-PREFIX] ' +
    '[--preprocessing caffe|torchvision|tf|custom [--channels rgb|bgr --scale S --mean A,B,C --std A,B,C]] [--json]',
  options: {
    download: { type: 'boolean', default: false },
    file: { type: 'string' },
    use: { type: 'string' },
    url: { type: 'string' },
    sha256: { type: 'string' },
    preprocessing: { type: 'string' },
    channels: { type: 'string' },
    scale: { type: 'string' },
    mean: { type: 'string' },
    std: { type: 'string' },
  },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const file = stringOption(values, 'file');
    const use = stringOption(values, 'use');
    if ([file, values.download, use].filter(Boolean).length > 1)
      throw new CliUsageError('use one of --download, --file and --use');
    if (use !== undefined) {
      const { library } = await ctx.call('model.status', {});
      const prefix = use.trim().toLowerCase();
      const matches = library.filter((m) => m.sha256.startsWith(prefix) || m.name === use);
      if (matches.length !== 1)
        throw new CliUsageError(
          matches.length === 0
            ? `no model on this machine matches "${use}"; "incept model <project>" lists them`
            : `"${use}" matches ${matches.length} models; give more of the sha256`,
        );
      const status = await ctx.call('model.use', { sha256: matches[0]!.sha256 });
      return { json: status, text: `Using ${matches[0]!.name}.\n${describeStatus(status)}` };
    }
    const preprocessing = preprocessingOption(values);
    if (file) {
      const status = await ctx.call('model.import', {
        path: file,
        ...(preprocessing !== undefined ? { preprocessing } : {}),
      });
      return { json: status, text: `Imported ${file}.\n${describeStatus(status)}` };
    }
    if (preprocessing !== undefined) {
      if (values.download) throw new CliUsageError('set --preprocessing after the download, or with --file');
      const status = await ctx.call('model.preprocessing', { preprocessing });
      return { json: status, text: describeStatus(status) };
    }
    if (values.download) {
      const url = stringOption(values, 'url');
      const sha256 = stringOption(values, 'sha256');
      const { jobId } = await ctx.call('model.download', {
        ...(url !== undefined ? { url } : {}),
        ...(sha256 !== undefined ? { sha256 } : {}),
      });
      await ctx.waitForJob(jobId);
    }
    const status = await ctx.call('model.status', {});
    return { json: status, text: describeStatus(status) };
  },
};

export const embedCommand: CliCommand = {
  name: 'embed',
  summary: "Compute every image's feature vector (resumable; only what is missing)",
  usage:
    'incept embed <project> [--engine auto|onnxruntime-webgpu|onnxruntime-dml|onnxruntime-coreml|onnxruntime-cuda|tfjs-node-gpu|tfjs-node|onnxruntime|wasm] [--batch N] [--augment] [--json]',
  options: {
    engine: { type: 'string' },
    batch: { type: 'string' },
    augment: { type: 'boolean', default: false },
  },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const engine = stringOption(values, 'engine') ?? 'auto';
    const batch = numberOption(values, 'batch');
    const { jobId } = await ctx.call('features.start', {
      engine: engine as 'auto',
      augment: values.augment === true,
      ...(batch !== undefined ? { batchSize: batch } : {}),
    });
    const job = await ctx.waitForJob(jobId);
    const r = job.result as {
      computed: number;
      failed: number;
      skipped: { name: string; reason: string }[];
      engine: string;
      engineLabel: string;
      seconds: number;
    };
    const status = await ctx.call('model.status', {});
    return {
      json: { ...r, features: status.features },
      text:
        r.skipped.map((s) => `Not using ${s.name}: ${s.reason}\n`).join('') +
        `Computed ${r.computed} feature vectors with ${r.engineLabel} in ${formatDuration(r.seconds)}` +
        `${r.failed ? `; ${r.failed} images failed` : ''}. ${status.features.done}/${status.features.images} images have features.`,
    };
  },
};

function readPaths(positionals: string[], values: ParsedValues): string[] {
  const fromFile = stringOption(values, 'from');
  // Long lists come from a file (or stdin as "-"): a huge argv can crash onnxruntime's start.
  const listed = fromFile
    ? readFileSync(fromFile === '-' ? 0 : fromFile, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
  const paths = [...positionals.slice(1), ...listed];
  if (paths.length === 0) throw new CliUsageError('give at least one image path (or --from FILE)');
  return paths;
}

function describePredictions(list: ImagePrediction[]): string {
  return list
    .map((p) =>
      p.error
        ? `${p.input}: ${p.error}`
        : `${p.input}\n${table(p.top.map((t) => ['  ', `${(t.probability * 100).toFixed(1)}%`, t.label]))}`,
    )
    .join('\n');
}

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'Top-k predictions for images: the current trained model, or ImageNet classes (--imagenet)',
  usage: 'incept predict <project> IMG... [--imagenet] [--top K] [--from FILE|-] [--json]',
  options: {
    imagenet: { type: 'boolean', default: false },
    top: { type: 'string' },
    from: { type: 'string' },
  },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const paths = readPaths(positionals, values);
    const topK = numberOption(values, 'top') ?? (values.imagenet ? 5 : 3);
    const results: ImagePrediction[] = [];
    for (let i = 0; i < paths.length; i += 1000) {
      results.push(
        ...(await ctx.call('predict.images', {
          paths: paths.slice(i, i + 1000),
          imagenet: values.imagenet === true,
          topK,
        })),
      );
    }
    return { json: results, text: describePredictions(results) };
  },
};

function metricsTable(m: SplitMetrics): string {
  const rows: (string | number)[][] = [['class', 'precision', 'recall', 'f1', 'support']];
  for (const c of m.perClass)
    rows.push([c.name, c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), c.support]);
  return table(rows);
}

function confusionTable(run: RunDetail, m: SplitMetrics): string {
  const names = run.classes.map((c) => c.name);
  const rows: (string | number)[][] = [['true \\ predicted', ...names]];
  m.confusion.forEach((row, i) => rows.push([names[i] ?? '?', ...row]));
  return table(rows, { numericColumns: (col) => col > 0 });
}

export function describeRun(run: RunDetail): string {
  const lines = [
    `Run ${run.id}: ${run.classes.length} classes, ${run.trainCount} training and ${run.validationCount} validation images, ` +
      `${run.history.length} epochs (best ${run.bestEpoch}) in ${formatDuration(run.durationMs / 1000)}`,
    `Training accuracy ${(run.trainAccuracy * 100).toFixed(1)}%` +
      (run.validationAccuracy !== null
        ? `, validation accuracy ${(run.validationAccuracy * 100).toFixed(1)}%`
        : ''),
  ];
  if (run.test)
    lines.push(
      `Test accuracy ${(run.test.accuracy * 100).toFixed(1)}% on ${run.test.count} held-out test images (never trained on)`,
    );
  const m = run.validation ?? run.train;
  lines.push('', `Per class (${run.validation ? 'validation' : 'training'} images):`, metricsTable(m));
  lines.push('', 'Confusion matrix:', confusionTable(run, m));
  for (const f of run.flags) lines.push(`Note: ${f}`);
  if (run.stale) lines.push('Note: labels changed since this run; train again to use them.');
  return lines.join('\n');
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train the final layer on the labeled images and print its metrics',
  usage:
    'incept train <project> [--epochs N --lr X --batch N --l2 X --seed N --augment --optimizer adam|sgd] [--json]',
  options: {
    epochs: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    l2: { type: 'string' },
    seed: { type: 'string' },
    patience: { type: 'string' },
    optimizer: { type: 'string' },
    augment: { type: 'boolean' },
  },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const settings: Record<string, unknown> = {};
    const num: [string, string][] = [
      ['epochs', 'epochs'],
      ['lr', 'learningRate'],
      ['batch', 'batchSize'],
      ['l2', 'l2'],
      ['seed', 'seed'],
      ['patience', 'patience'],
    ];
    for (const [flag, key] of num) {
      const v = numberOption(values, flag);
      if (v !== undefined) settings[key] = v;
    }
    const optimizer = stringOption(values, 'optimizer');
    if (optimizer !== undefined) settings.optimizer = optimizer;
    if (values.augment !== undefined) settings.augment = values.augment;
    const { jobId } = await ctx.call('train.start', { settings });
    const job = await ctx.waitForJob(jobId);
    const run = await ctx.call('runs.get', { id: (job.result as { runId: number }).runId });
    return { json: run, text: describeRun(run) };
  },
};

export const runsCommand: CliCommand = {
  name: 'runs',
  summary: 'List training runs (or show one with --show ID)',
  usage: 'incept runs <project> [--show ID] [--json]',
  options: { show: { type: 'string' } },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const show = numberOption(values, 'show');
    if (show !== undefined) {
      const run = await ctx.call('runs.get', { id: show });
      return { json: run, text: describeRun(run) };
    }
    const runs = await ctx.call('runs.list', {});
    if (runs.length === 0) return { json: runs, text: 'No runs yet: "incept train <project>" trains one.' };
    const rows: (string | number)[][] = [['id', 'created', 'classes', 'train', 'val', 'val acc', '']];
    for (const r of runs) {
      rows.push([
        r.id,
        r.createdAt.slice(0, 19).replace('T', ' '),
        r.classes.length,
        r.trainCount,
        r.validationCount,
        r.validationAccuracy === null ? '—' : `${(r.validationAccuracy * 100).toFixed(1)}%`,
        [r.current ? 'current' : '', r.stale ? 'stale' : ''].filter(Boolean).join(', '),
      ]);
    }
    return { json: runs, text: table(rows) };
  },
};

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export the current (or a given) run as TensorFlow.js and/or ONNX, self-checked',
  usage:
    'incept export <project> --format tfjs|onnx|both --out DIR [--run ID] [--quantize float16|uint8] [--no-preprocessing] [--force] [--json]',
  options: {
    format: { type: 'string' },
    out: { type: 'string' },
    run: { type: 'string' },
    quantize: { type: 'string' },
    'no-preprocessing': { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
  },
  run: async (ctx, positionals, values) => {
    await ctx.openProject(positionals[0]);
    const out = stringOption(values, 'out');
    if (!out) throw new CliUsageError('--out DIR is required');
    const runId = numberOption(values, 'run');
    const { jobId } = await ctx.call('export.start', {
      out,
      format: (stringOption(values, 'format') ?? 'both') as 'both',
      quantize: (stringOption(values, 'quantize') ?? 'none') as 'none',
      preprocessing: values['no-preprocessing'] !== true,
      force: values.force === true,
      ...(runId !== undefined ? { runId } : {}),
    });
    const job = await ctx.waitForJob(jobId);
    const report = job.result as ExportReport;
    const checks = report.checks.map(
      (c) =>
        `${c.format}: ${c.passed ? 'passed' : 'FAILED'} — top-1 agreement ${(c.agreement * 100).toFixed(1)}% on ${c.images} images, max probability difference ${c.maxDiff.toExponential(2)}`,
    );
    return { json: report, text: [`Exported run ${report.runId} to ${report.out}`, ...checks].join('\n') };
  },
};
