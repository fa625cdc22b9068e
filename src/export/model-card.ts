/**
 * The files beside the exported models: metadata.json (everything a program needs to use the
 * model correctly), labels.txt and the model card README.md.
 */
import { PREPROCESSING, INPUT_SIZE, type CropMode } from '../model/preprocess.ts';
import { describePreprocessing, type PresetName, type Preprocessing } from '../domain/preprocessing.ts';
import type { Split } from '../domain/splits.ts';
import { inGraphPreprocessing } from './preprocessing.ts';
import type { FormatCheck } from './self-check.ts';
import type { Quantize } from './tfjs-weights.ts';

export interface TensorSpec {
  name: string;
  /** null for the free batch dimension. */
  shape: (number | null)[];
  layout: 'NHWC' | 'NCHW' | 'NC';
}

export interface FormatInfo {
  path: string;
  input: TensorSpec;
  output: TensorSpec;
  bytes: number;
  /** tfjs only: how the weights are stored. */
  quantize?: Quantize;
  /** onnx only. */
  opset?: number;
}

export interface ExportMetadata {
  format: 'incept-model-export';
  formatVersion: 1;
  createdAt: string;
  appVersion: string;
  labels: string[];
  input: {
    dtype: 'float32';
    range: [number, number] | 'preprocessed';
    channelOrder: 'RGB' | 'BGR';
    size: [number, number];
    preprocessing: {
      inGraph: boolean;
      description: string;
      /** The model's preset and its parts: value = (pixel · scale − mean) / std in channelOrder. */
      preset: PresetName;
      channelOrder: 'RGB' | 'BGR';
      scale: number;
      mean: number[];
      std: number[];
      /** The same per RGB input channel, then reversed for BGR: pixel · multiply − subtract. */
      multiplyRGB: number[];
      subtractRGB: number[];
    };
  };
  resize: {
    cropMode: CropMode;
    rule: string;
    kernel: 'lanczos3';
    orientation: string;
    alpha: string;
    colourspace: string;
  };
  output: { dtype: 'float32'; meaning: string };
  formats: { tfjs?: FormatInfo; onnx?: FormatInfo };
  baseModel: {
    name: string;
    sha256: string;
    producer: string;
    opset: number;
    replacedClassifier: string;
    featureDim: number;
  };
  training: {
    runId: number;
    settings: object;
    validation: object | null;
    /** Labeled images per class in each split of the run's own label snapshot. */
    classCounts: ClassCount[];
  };
  selfCheck: { note: string; results: FormatCheck[]; skippedImages: { path: string; reason: string }[] };
}

export interface ClassCount {
  name: string;
  train: number;
  validation: number;
  test: number;
}

/**
 * The run's validation metrics as they may leave the app: scores, counts and the confusion
 * matrix by class name; no database ids (the per-cell image ids, class ids) go out.
 */
export function publicValidation(v: object | null): object | null {
  if (!v) return null;
  const m = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['accuracy', 'loss', 'macroF1', 'count', 'confusion']) if (key in m) out[key] = m[key];
  if (Array.isArray(m.perClass)) {
    out.perClass = (m.perClass as Record<string, unknown>[]).map((row) => {
      const kept: Record<string, unknown> = {};
      for (const key of ['name', 'precision', 'recall', 'f1', 'support'])
        if (key in row) kept[key] = row[key];
      return kept;
    });
  }
  return out;
}

export function resizeRule(crop: CropMode): string {
  return crop === 'squash'
    ? `Resize both sides to ${INPUT_SIZE} px (aspect ratio not kept) with a Lanczos-3 filter.`
    : `Resize so the shorter side is ${INPUT_SIZE} px (aspect ratio kept) with a Lanczos-3 filter, then crop the ` +
        `centre ${INPUT_SIZE}×${INPUT_SIZE} px.`;
}

export function preprocessingDescription(inGraph: boolean, pixels: Preprocessing): string {
  return inGraph
    ? `Feed RGB pixel values 0..255 as float32 [N, ${INPUT_SIZE}, ${INPUT_SIZE}, 3] (NHWC), already resized and ` +
        `cropped. The graph applies the model's preprocessing itself (${describePreprocessing(pixels)}).`
    : `Feed the network's own input, float32: ${describePreprocessing(pixels)} ` +
        '(value = (pixel × scale − mean) / std per channel).';
}

export function preprocessingMetadata(
  inGraph: boolean,
  pixels: Preprocessing,
): ExportMetadata['input']['preprocessing'] {
  const g = inGraphPreprocessing(pixels);
  return {
    inGraph,
    description: preprocessingDescription(inGraph, pixels),
    preset: pixels.preset,
    channelOrder: pixels.channelOrder,
    scale: pixels.scale,
    mean: [...pixels.mean],
    std: [...pixels.std],
    multiplyRGB: [...g.multiply],
    subtractRGB: [...g.subtract],
  };
}

export function labelsText(labels: string[]): string {
  return labels.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n') + '\n';
}

export function metadataResize(crop: CropMode): ExportMetadata['resize'] {
  return {
    cropMode: crop,
    rule: resizeRule(crop),
    kernel: 'lanczos3',
    orientation: PREPROCESSING.orientation,
    alpha: PREPROCESSING.alpha,
    colourspace: PREPROCESSING.colourspace,
  };
}

// ---------------------------------------------------------------------------------------------
// README.md

const md = (s: string): string => s.replace(/([\\`*_[\]|<>])/g, '\\$1').replace(/[\r\n]+/g, ' ');
const size = (bytes: number): string =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function metricsSection(validation: object | null, labels: string[]): string {
  if (!validation) {
    return 'No validation images were held out for this run, so there are no validation metrics.\n';
  }
  const v = validation as Record<string, unknown>;
  const lines: string[] = [];
  const summary: string[] = [];
  const acc = num(v.accuracy);
  const f1 = num(v.macroF1);
  const loss = num(v.loss);
  const count = num(v.count);
  if (acc !== null) summary.push(`accuracy **${pct(acc)}**`);
  if (f1 !== null) summary.push(`macro-F1 ${f1.toFixed(3)}`);
  if (loss !== null) summary.push(`loss ${loss.toFixed(4)}`);
  if (count !== null) summary.push(`${count} validation images`);
  if (summary.length > 0) lines.push(`Validation: ${summary.join(', ')}.`, '');

  if (Array.isArray(v.perClass) && v.perClass.length > 0) {
    lines.push('| Class | Precision | Recall | F1 | Images |', '| --- | ---: | ---: | ---: | ---: |');
    for (const row of v.perClass as Record<string, unknown>[]) {
      const f = (x: unknown) => (num(x) === null ? '–' : (num(x) as number).toFixed(3));
      lines.push(
        `| ${md(String(row.name ?? ''))} | ${f(row.precision)} | ${f(row.recall)} | ${f(row.f1)} | ${num(row.support) ?? '–'} |`,
      );
    }
    lines.push('');
  }

  const confusion = v.confusion;
  if (Array.isArray(confusion) && confusion.every((r) => Array.isArray(r) && r.length === confusion.length)) {
    lines.push('Confusion matrix (rows: true class, columns: predicted class):', '');
    lines.push(`| true \\ predicted | ${labels.map(md).join(' | ')} |`);
    lines.push(`| --- |${labels.map(() => ' ---: |').join('')}`);
    (confusion as unknown[][]).forEach((row, i) => {
      lines.push(`| ${md(labels[i] ?? String(i))} | ${row.map((c) => String(num(c) ?? '')).join(' | ')} |`);
    });
    lines.push('');
  }
  if (lines.length === 0) lines.push('Validation metrics: see `metadata.json` (`training.validation`).', '');
  return lines.join('\n');
}

function checkSection(meta: ExportMetadata): string {
  const rows = meta.selfCheck.results.map((r) => {
    const tol =
      `top-1 ≥ ${(100 * r.required.agreement).toFixed(0)} %` +
      (r.required.maxDiff === null ? '' : `, difference ≤ ${r.required.maxDiff}`) +
      (r.roundingFloor === null || r.roundingFloor === undefined
        ? ''
        : ` (up to ${r.roundingFloor.toExponential(1)} where float32 rounding of an image's features explains it)`) +
      (r.quantize === 'none' ? '' : ` (${r.quantize} weights)`);
    return `| ${r.format} | ${r.images} | ${pct(r.agreement)} | ${r.maxDiff.toExponential(2)} | ${tol} | ${r.passed ? 'passed' : 'FAILED'} |`;
  });
  return [
    meta.selfCheck.note,
    '',
    '| Format | Images | Top-1 agreement | Max probability difference | Required | Result |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function usageSection(meta: ExportMetadata): string {
  const parts: string[] = [];
  const inGraph = meta.input.preprocessing.inGraph;
  const tfjs = meta.formats.tfjs;
  const onnx = meta.formats.onnx;
  if (tfjs) {
    parts.push(
      '### TensorFlow.js (browser)',
      '',
      'Serve this folder over HTTP (`npx http-server .` or `python3 -m http.server`) and open',
      '`samples/index.html`, or in your own page:',
      '',
      '```js',
      "const model = await tf.loadGraphModel('tfjs/model.json');",
      '// canvas: the image drawn at 224×224 by the resize/crop rule under Input',
      inGraph
        ? 'const x = tf.browser.fromPixels(canvas).toFloat().expandDims(0); // RGB 0..255'
        : `const x = tf.browser.fromPixels(canvas).toFloat().mul([${meta.input.preprocessing.multiplyRGB.join(', ')}])` +
            `.sub([${meta.input.preprocessing.subtractRGB.join(', ')}])` +
            `${meta.input.preprocessing.channelOrder === 'BGR' ? '.reverse(-1)' : ''}.expandDims(0);`,
      `const probabilities = await model.predict(x).data(); // order: labels.txt`,
      '```',
      '',
      '### TensorFlow.js (Node)',
      '',
      '```sh',
      'npm install @tensorflow/tfjs sharp   # or @tensorflow/tfjs-node for speed',
      'node samples/node.mjs photo.jpg',
      '```',
      '',
    );
  }
  if (onnx) {
    parts.push(
      '### ONNX (Python)',
      '',
      '```sh',
      'pip install onnxruntime pillow numpy',
      'python3 samples/predict.py photo.jpg',
      '```',
      '',
      '```python',
      'import onnxruntime as ort',
      "session = ort.InferenceSession('onnx/model.onnx')",
      `probabilities = session.run(None, {'${onnx.input.name}': x})[0]  # x: float32 [${onnx.input.shape.map((d) => d ?? 'N').join(', ')}]`,
      '```',
      '',
    );
  }
  return parts.join('\n');
}

export function modelCard(meta: ExportMetadata): string {
  const counts = new Map(meta.training.classCounts.map((c) => [c.name, c]));
  const cell = (l: string, split: Split) => String(counts.get(l)?.[split] ?? '–');
  const formats = Object.entries(meta.formats) as [string, FormatInfo][];
  return [
    `# Image classifier: ${meta.labels.map(md).join(', ')}`,
    '',
    `Exported by Incept ${md(meta.appVersion)} on ${meta.createdAt} from training run ${meta.training.runId}. ` +
      `It is ${md(meta.baseModel.name)} (sha256 \`${meta.baseModel.sha256}\`) with its ImageNet classifier ` +
      `"${md(meta.baseModel.replacedClassifier)}" replaced by a layer fine-tuned on your images ` +
      `(${meta.baseModel.featureDim} features → ${meta.labels.length} classes).`,
    '',
    '## Classes',
    '',
    '| # | Class | Training images | Validation images | Test images |',
    '| ---: | --- | ---: | ---: | ---: |',
    ...meta.labels.map(
      (l, i) => `| ${i} | ${md(l)} | ${cell(l, 'train')} | ${cell(l, 'validation')} | ${cell(l, 'test')} |`,
    ),
    '',
    'The model outputs one probability per class, in this order (also in `labels.txt` and `metadata.json`).',
    '',
    '## Metrics',
    '',
    metricsSection(meta.training.validation, meta.labels),
    '## Self-check',
    '',
    checkSection(meta),
    '## Intended use',
    '',
    `Sorting or tagging photos like the ones it was trained on into these ${meta.labels.length} classes. It always ` +
      'answers with one of them, so an image of something else still gets a (wrong) class: check the probability ' +
      'and keep a human in the loop where mistakes matter. Accuracy on images unlike the training set (other ' +
      'cameras, lighting, backgrounds) can be much lower than the validation figure above. Do not use it to make ' +
      'decisions about people.',
    '',
    '## Input',
    '',
    `- Preprocessing preset: **${meta.input.preprocessing.preset}**. ${meta.input.preprocessing.description}`,
    `- Resize and crop: ${meta.resize.rule} ${meta.resize.orientation}; transparency ${meta.resize.alpha}; ${meta.resize.colourspace}.`,
    '- The samples apply exactly this rule. `samples/node.mjs` uses the same library as Incept (sharp) and reproduces ' +
      "Incept's pixels; the browser and Python samples resize with the canvas / Pillow, which can move probabilities slightly.",
    '',
    '## Files',
    '',
    ...formats.map(([name, f]) => {
      const shape = (s: TensorSpec) =>
        `\`${s.name}\` [${s.shape.map((d) => d ?? 'N').join(', ')}] ${s.layout}`;
      const extra = f.quantize && f.quantize !== 'none' ? `, weights quantized to ${f.quantize}` : '';
      const opset = f.opset ? `, opset ${f.opset}` : '';
      return `- \`${f.path}\` (${name}${opset}${extra}, ${size(f.bytes)}): input ${shape(f.input)}, output ${shape(f.output)} probabilities.`;
    }),
    '- `metadata.json`: labels, input and output description, preprocessing, base model, training settings, metrics, self-check.',
    '- `labels.txt`: one class per line, in output order.',
    '- `samples/`: `node.mjs` (TensorFlow.js + sharp), `index.html` (browser), `predict.py` (onnxruntime + Pillow).',
    '',
    '## How to load',
    '',
    usageSection(meta),
  ].join('\n');
}
