/**
 * Shared by the export tests: small classifiers in GoogLeNet's op vocabulary (fast to run, and
 * each one exercises converter paths GoogLeNet itself does not), sharp-made check images, a seeded
 * head, and the independent reference: onnxruntime on the ORIGINAL model's feature tensor, then
 * head and softmax in float64.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeRgb224, toModelInput, type CropMode } from '../../../src/model/preprocess.ts';
import {
  DataType,
  type IModelProto,
  type INodeProto,
  type ITensorProto,
} from '../../../src/model/onnx/proto.ts';
import {
  attr,
  encodeModel,
  floatTensor,
  int64Tensor,
  irVersionForOpset,
  makeModel,
  makeNode,
  valueInfo,
} from '../../../src/model/onnx/write.ts';
import { decodeModel } from '../../../src/model/onnx/read.ts';
import { seededRandom } from '../../fixtures/googlenet.ts';
import { PRESETS, type Preprocessing } from '../../../src/domain/preprocessing.ts';
import type { ExportInput } from '../../../src/export/export-model.ts';

export interface Head {
  weights: Float32Array;
  bias: Float32Array;
}

export type TinyVariant = 'flatten' | 'global-pool' | 'legacy';

/**
 * 'flatten': explicit-pad Conv, MaxPool that is not TF-SAME (PadV2 −∞), LRN, AveragePool with
 * count_include_pad, an inception-style Concat, Flatten of a 4×4 map (NCHW order matters), a
 * hidden Gemm with alpha/beta, Dropout, classifier Gemm + Softmax; opset 7.
 * 'global-pool': ceil-mode MaxPool, AveragePool that leaves padding out (SAME), GlobalAveragePool,
 * Reshape [1, -1] by initializer, MatMul + Add classifier without Softmax; opset 13.
 * 'legacy': opset 4 as old Caffe2 exports wrote it: float_data weights listed as graph inputs
 * (IR 3), Reshape with a `shape` attribute, Dropout with is_test, Gemm with broadcast.
 */
export function tinyClassifier(
  variant: TinyVariant,
  seed = 1,
): { bytes: Uint8Array; feature: string; featureDim: number; reference: Uint8Array } {
  const built = buildTiny(variant, seed, false);
  // onnxruntime has no kernels for opset-4 ops; the reference runs the same weights at opset 7.
  return { ...built, reference: variant === 'legacy' ? buildTiny(variant, seed, true).bytes : built.bytes };
}

function buildTiny(
  variant: TinyVariant,
  seed: number,
  modern: boolean,
): { bytes: Uint8Array; feature: string; featureDim: number } {
  const rng = seededRandom(seed);
  const inits: ITensorProto[] = [];
  const nodes: INodeProto[] = [];
  const storage = variant === 'legacy' ? 'float' : 'raw';
  const w = (name: string, dims: number[], std: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    inits.push(
      floatTensor(
        name,
        dims,
        Float32Array.from({ length: n }, () => std * rng.normal()),
        storage,
      ),
    );
    return name;
  };
  const conv = (x: string, y: string, cin: number, cout: number, k: number, s: number, pads: number[]) => {
    nodes.push(
      makeNode(
        'Conv',
        [x, w(`${y}_w`, [cout, cin, k, k], Math.sqrt(2 / (cin * k * k))), w(`${y}_b`, [cout], 0.1)],
        [y],
        {
          kernel_shape: attr.ints([k, k]),
          strides: attr.ints([s, s]),
          pads: attr.ints(pads),
        },
      ),
    );
    nodes.push(makeNode('Relu', [y], [`${y}_relu`]));
    return `${y}_relu`;
  };
  let opset: number;
  let feature: string;
  let featureDim: number;
  let output: string;
  if (variant === 'flatten') {
    opset = 7;
    let x = conv('data', 'c1', 3, 8, 7, 8, [3, 3, 3, 3]); // 224 → 28, pads differ from SAME
    nodes.push(
      makeNode('MaxPool', [x], ['p1'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
      }),
    ); // 14
    nodes.push(
      makeNode('LRN', ['p1'], ['n1'], {
        size: attr.int(3),
        alpha: attr.float(0.01),
        beta: attr.float(0.75),
        bias: attr.float(1),
      }),
    );
    x = conv('n1', 'c2', 8, 8, 1, 1, [0, 0, 0, 0]);
    nodes.push(
      makeNode('AveragePool', [x], ['a1'], {
        kernel_shape: attr.ints([2, 2]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([1, 1, 1, 1]),
        count_include_pad: attr.int(1),
      }),
    ); // 8
    const b1 = conv('a1', 'b1', 8, 6, 3, 2, [1, 1, 1, 1]); // 4
    nodes.push(
      makeNode('MaxPool', ['a1'], ['b2'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([0, 0, 1, 1]),
      }),
    ); // 4
    nodes.push(makeNode('Concat', [b1, 'b2'], ['cat'], { axis: attr.int(1) })); // 14 × 4 × 4
    nodes.push(makeNode('Flatten', ['cat'], ['flat'], { axis: attr.int(1) }));
    nodes.push(
      makeNode('Gemm', ['flat', w('fc_w', [32, 224], 0.1), w('fc_b', [32], 0.1)], ['fc'], {
        transB: attr.int(1),
        alpha: attr.float(0.5),
        beta: attr.float(2),
      }),
    );
    nodes.push(makeNode('Relu', ['fc'], ['fc_relu']));
    nodes.push(makeNode('Dropout', ['fc_relu'], ['drop'], { ratio: attr.float(0.5) }));
    nodes.push(
      makeNode('Gemm', ['drop', w('cls_w', [10, 32], 0.1), w('cls_b', [10], 0.1)], ['logits'], {
        transB: attr.int(1),
      }),
    );
    nodes.push(makeNode('Softmax', ['logits'], ['prob']));
    feature = 'fc_relu';
    featureDim = 32;
    output = 'prob';
  } else if (variant === 'legacy') {
    opset = modern ? 7 : 4;
    const x = conv('data', 'c1', 3, 12, 7, 4, [3, 3, 3, 3]); // 56
    nodes.push(
      makeNode('MaxPool', [x], ['p1'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        pads: attr.ints([0, 0, 1, 1]),
      }),
    ); // 28
    nodes.push(
      makeNode('AveragePool', ['p1'], ['gap'], {
        kernel_shape: attr.ints([28, 28]),
        strides: attr.ints([1, 1]),
      }),
    );
    nodes.push(
      makeNode(
        'Dropout',
        ['gap'],
        ['drop', 'mask'],
        modern ? { ratio: attr.float(0.4) } : { ratio: attr.float(0.4), is_test: attr.int(1) },
      ),
    );
    if (modern) {
      inits.push(int64Tensor('shape', [2], [1, 12]));
      nodes.push(makeNode('Reshape', ['drop', 'shape'], ['feat']));
    } else {
      nodes.push(makeNode('Reshape', ['drop'], ['feat'], { shape: attr.ints([1, 12]) }));
    }
    const gemmAttrs = modern ? { transB: attr.int(1) } : { transB: attr.int(1), broadcast: attr.int(1) };
    nodes.push(
      makeNode('Gemm', ['feat', w('cls_w', [5, 12], 0.2), w('cls_b', [5], 0.1)], ['logits'], gemmAttrs),
    );
    nodes.push(makeNode('Softmax', ['logits'], ['prob']));
    feature = 'feat';
    featureDim = 12;
    output = 'prob';
  } else {
    opset = 13;
    const x = conv('data', 'c1', 3, 16, 5, 4, [2, 2, 2, 2]); // 56, SAME-equal pads
    nodes.push(
      makeNode('MaxPool', [x], ['p1'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([2, 2]),
        ceil_mode: attr.int(1),
      }),
    ); // 28
    nodes.push(
      makeNode('AveragePool', ['p1'], ['a1'], {
        kernel_shape: attr.ints([3, 3]),
        strides: attr.ints([1, 1]),
        pads: attr.ints([1, 1, 1, 1]),
      }),
    ); // 28, padding left out of the average (SAME)
    nodes.push(makeNode('GlobalAveragePool', ['a1'], ['gap']));
    inits.push(int64Tensor('shape', [2], [1, -1]));
    nodes.push(makeNode('Reshape', ['gap', 'shape'], ['feat']));
    nodes.push(makeNode('MatMul', ['feat', w('cls_w', [16, 7], 0.2)], ['mm']));
    nodes.push(makeNode('Add', ['mm', w('cls_b', [7], 0.1)], ['logits']));
    feature = 'feat';
    featureDim = 16;
    output = 'logits';
  }
  const model = makeModel({
    irVersion: irVersionForOpset(opset),
    opset,
    graph: {
      name: `tiny-${variant}`,
      node: nodes,
      initializer: inits,
      input: [
        valueInfo('data', [1, 3, 224, 224]),
        ...(opset < 9
          ? inits.map((t) =>
              valueInfo(t.name ?? '', (t.dims ?? []).map(Number), t.dataType ?? DataType.FLOAT),
            )
          : []),
      ],
      output: [valueInfo(output, [1, { flatten: 10, 'global-pool': 7, legacy: 5 }[variant]])],
    },
  });
  return { bytes: encodeModel(model), feature, featureDim };
}

/** A seeded random head, centred on the given features so the top class varies between images. */
export function randomHead(
  featureDim: number,
  numClasses: number,
  features: Float32Array[] = [],
  seed = 11,
): Head {
  const rng = seededRandom(seed);
  const mean = new Float64Array(featureDim);
  for (const f of features)
    for (let k = 0; k < featureDim; k++) mean[k] = (mean[k] as number) + (f[k] as number) / features.length;
  let spread = 0;
  for (const f of features)
    for (let k = 0; k < featureDim; k++) spread += ((f[k] as number) - (mean[k] as number)) ** 2;
  spread = Math.sqrt(spread / Math.max(1, features.length)) || 1;
  const std = 1.5 / spread;
  const weights = Float32Array.from({ length: featureDim * numClasses }, () => std * rng.normal());
  const bias = new Float32Array(numClasses);
  for (let c = 0; c < numClasses; c++) {
    let b = 0.3 * rng.normal();
    for (let k = 0; k < featureDim; k++) b -= (weights[k * numClasses + c] as number) * (mean[k] as number);
    bias[c] = b;
  }
  return { weights, bias };
}

/** softmax(f·W + b) in float64. */
export function headProbabilities(feature: Float32Array, head: Head): Float32Array {
  const c = head.bias.length;
  const logits = Array.from(head.bias, Number);
  for (let k = 0; k < feature.length; k++) {
    const f = feature[k] as number;
    for (let j = 0; j < c; j++) logits[j] = (logits[j] as number) + f * (head.weights[k * c + j] as number);
  }
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return Float32Array.from(e, (v) => v / sum);
}

/**
 * A complete export request for a generated model and head (3 classes "a", "b", "c"): every
 * check image's expected probabilities come from its reference feature through the head.
 */
export function fixtureExportInput(opts: {
  modelBytes: Uint8Array;
  modelSha256: string;
  head: Head;
  images: string[];
  features: Float32Array[];
  out: string;
  appVersion: string;
  pixels?: Preprocessing;
}): ExportInput {
  return {
    modelBytes: opts.modelBytes,
    modelSha256: opts.modelSha256,
    head: opts.head,
    labels: ['a', 'b', 'c'],
    formats: ['tfjs', 'onnx'],
    quantize: 'none',
    preprocessing: true,
    pixels: opts.pixels ?? PRESETS.caffe,
    out: opts.out,
    force: false,
    metadata: {
      runId: 1,
      settings: {},
      validation: null,
      classCounts: [],
      appVersion: opts.appVersion,
      cropMode: 'center',
    },
    checkImages: opts.images.map((path, i) => ({
      path,
      expected: headProbabilities(opts.features[i] as Float32Array, opts.head),
    })),
  };
}

/** Sharp-drawn images of different sizes, aspect ratios and formats (PNG with alpha, JPEG). */
export async function makeImages(dir: string, n: number): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const width = 180 + ((i * 53) % 220);
    const height = 160 + ((i * 97) % 260);
    const colour = (k: number) => (i * k * 37 + 40) % 256;
    const svg =
      `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
      `<rect width="100%" height="100%" fill="rgb(${colour(1)},${colour(3)},${colour(7)})"/>` +
      `<circle cx="${width / (2 + (i % 3))}" cy="${height / 2}" r="${30 + ((i * 13) % 60)}" fill="rgb(${colour(11)},${colour(5)},${colour(2)})"/>` +
      `<rect x="${(i * 17) % (width / 2)}" y="10" width="${width / 3}" height="${height / 4}" fill="rgb(${colour(13)},${colour(17)},${colour(19)})" opacity="0.7"/>` +
      `</svg>`;
    const image = sharp(Buffer.from(svg));
    const path = join(dir, `img${i}.${i % 2 === 0 ? 'png' : 'jpg'}`);
    await writeFile(
      path,
      i % 2 === 0 ? await image.png().toBuffer() : await image.jpeg({ quality: 90 }).toBuffer(),
    );
    paths.push(path);
  }
  return paths;
}

/** NHWC → NCHW for one 224×224×3 image. */
export function toNchw(nhwc: Float32Array): Float32Array {
  const pixels = 224 * 224;
  const out = new Float32Array(nhwc.length);
  for (let p = 0; p < pixels; p++)
    for (let c = 0; c < 3; c++) out[c * pixels + p] = nhwc[p * 3 + c] as number;
  return out;
}

/**
 * The reference: the ORIGINAL model, with its classifier input added as a graph output, run by
 * onnxruntime on each image as the app prepares it; returns that feature vector per image.
 */
export async function referenceFeatures(
  modelBytes: Uint8Array,
  feature: string,
  images: string[],
  crop: CropMode = 'center',
  pixels: Preprocessing = PRESETS.caffe,
): Promise<Float32Array[]> {
  const proto = decodeModel(modelBytes).proto as IModelProto;
  const graph = proto.graph!;
  // Declared without a shape: some exporters leave the batch of the feature hard-coded, some not.
  graph.output = [
    ...(graph.output ?? []),
    { name: feature, type: { tensorType: { elemType: DataType.FLOAT } } },
  ];
  const session = await ort.InferenceSession.create(encodeModel(proto));
  const inputName = session.inputNames[0] as string;
  const out: Float32Array[] = [];
  try {
    for (const path of images) {
      const x = toNchw(toModelInput(await decodeRgb224(path, { crop }), undefined, 0, pixels));
      const result = await session.run({ [inputName]: new ort.Tensor('float32', x, [1, 3, 224, 224]) }, [
        feature,
      ]);
      out.push(Float32Array.from(result[feature]?.data as Float32Array));
    }
  } finally {
    await session.release();
  }
  return out;
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/**
 * A Python that can import onnx (its checker validates ONNX exports), or null. Debian's
 * python3-onnx lives in /usr/bin/python3, which a pyenv shim may hide from a plain `python3`.
 */
export async function pythonWithOnnx(): Promise<string | null> {
  const { spawnSync } = await import('node:child_process');
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0) return python;
  }
  return null;
}
