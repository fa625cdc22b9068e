/**
 * Export as the compute worker runs it: the run's head, the model file, and validation images
 * with the probabilities the app itself gives them (cached features → head), which the
 * exporter's self-check must reproduce through the exported files.
 */
import type { CropMode } from '../domain/model.ts';
import { readFile } from 'node:fs/promises';
import type { Split } from '../domain/splits.ts';
import type { ExportReport } from '../domain/training.ts';
import { exportModel } from '../export/export-model.ts';
import { ProjectStore } from '../store/project.ts';
import { runHead, runRecord } from '../store/runs.ts';
import { imageFilesWithFeatures } from '../store/training-data.ts';
import type { TaskHooks } from './task-hooks.ts';
import { predictHead } from '../train/predict.ts';
import { float32Allowance } from '../export/rounding-floor.ts';
import type { Preprocessing } from '../domain/preprocessing.ts';

export interface ExportTaskInput {
  projectPath: string;
  runId: number;
  modelId: number;
  modelPath: string;
  modelSha256: string;
  formats: ('tfjs' | 'onnx')[];
  quantize: 'none' | 'float16' | 'uint8';
  preprocessing: boolean;
  out: string;
  force: boolean;
  appVersion: string;
  crop: CropMode;
  /** How the model wants its pixels: the export bakes it in and states it. */
  pixels: Preprocessing;
  warnings: string[];
  maxCheckImages: number;
}

export async function runExportTask(input: ExportTaskInput, hooks: TaskHooks): Promise<ExportReport> {
  const project = ProjectStore.open(input.projectPath);
  let exportInput: Parameters<typeof exportModel>[0];
  try {
    const head = runHead(project, input.runId);
    const record = runRecord(project, input.runId);
    const snapshot = record.snapshot;
    // Check on held-out images first; a project without any falls back to training images.
    const ordered = [
      ...snapshot.filter((s) => s[2] === 'validation'),
      ...snapshot.filter((s) => s[2] !== 'validation'),
    ];
    const found = imageFilesWithFeatures(
      project.db,
      input.modelId,
      ordered.map(([imageId]) => imageId),
      input.maxCheckImages,
    );
    // The same function that gives the stored predictions and predict.images' answers.
    const d = head.weights.length / head.bias.length;
    const x = new Float32Array(found.length * d);
    found.forEach((f, i) => x.set(f.features, i * d));
    const { probs } = await predictHead(head, x, found.length);
    const c = head.bias.length;
    const checkImages = found.map((f, i) => ({
      path: f.path,
      expected: probs.slice(i * c, (i + 1) * c),
      allowance: float32Allowance(head, f.features),
    }));
    // Per class and split, from the labels the run was trained on (not today's labels).
    const counts = new Map<number, Record<Split, number>>();
    for (const [, classId, split] of snapshot) {
      const c = counts.get(classId) ?? { train: 0, validation: 0, test: 0 };
      c[split] += 1;
      counts.set(classId, c);
    }
    exportInput = {
      modelBytes: new Uint8Array(await readFile(input.modelPath)),
      modelSha256: input.modelSha256,
      head: { weights: head.weights, bias: head.bias },
      labels: head.classes.map((c) => c.name),
      formats: input.formats,
      quantize: input.quantize,
      preprocessing: input.preprocessing,
      pixels: input.pixels,
      out: input.out,
      force: input.force,
      metadata: {
        runId: input.runId,
        settings: record.settings,
        validation: record.validation,
        classCounts: head.classes.map((c) => ({
          name: c.name,
          ...(counts.get(c.id) ?? { train: 0, validation: 0, test: 0 }),
        })),
        appVersion: input.appVersion,
        cropMode: input.crop,
      },
      checkImages,
    };
  } finally {
    project.close();
  }
  const report = await exportModel(exportInput, {
    signal: hooks.signal,
    progress: (done, total, phase) => hooks.progress({ done, total, phase }),
  });
  return { ...report, warnings: [...(report.warnings ?? []), ...input.warnings] };
}
