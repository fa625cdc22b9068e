/**
 * Runs an imported ONNX classifier on TensorFlow.js ops, channels-last. Weights are converted and
 * uploaded once; each run executes only the nodes its outputs need and frees every intermediate
 * tensor after its last reader.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { ModelError } from '../errors.ts';
import { decodeModel, type OnnxModel, type OnnxNode } from '../onnx/read.ts';
import { analyzeModel, implFor, INPUT_HW, type ModelAnalysis } from './analyze.ts';
import { toPlain } from './layout.ts';
import { fuseConvChains } from './optimize.ts';
import type { BuildValue, Kernel, Tensor, TF } from './types.ts';

interface Step {
  node: OnnxNode;
  run: Kernel;
  /** Run-time input names; undefined where the kernel captured a constant or the input is omitted. */
  inputs: (string | undefined)[];
  outputs: string[];
}

interface Plan {
  steps: Step[];
  /** Names to dispose after steps[i]. */
  freeAfter: string[][];
}

export interface RunRequest {
  features?: boolean;
  probabilities?: boolean;
}

export interface RunResult {
  /** [N, 1024] */
  features?: tfjs.Tensor2D;
  /** [N, numClasses] */
  probabilities?: tfjs.Tensor2D;
}

export class GraphExecutor {
  readonly analysis: ModelAnalysis;
  private readonly tf: TF;
  private readonly weights: Tensor[] = [];
  private readonly outputValue: BuildValue;
  private readonly featurePlan: Plan;
  private readonly fullPlan: Plan;
  private disposed = false;

  /** Imports the model; tfjs must already be on the backend it will run on. */
  static fromBytes(tf: TF, bytes: Uint8Array, source?: string): GraphExecutor {
    return GraphExecutor.create(tf, decodeModel(bytes, source));
  }

  static create(tf: TF, model: OnnxModel, analysis: ModelAnalysis = analyzeModel(model)): GraphExecutor {
    return new GraphExecutor(tf, analysis);
  }

  private constructor(tf: TF, analysis: ModelAnalysis) {
    this.tf = tf;
    this.analysis = analysis;
    const a = analysis;
    const keep = new Set([a.featureTensor, a.outputName]);
    const graph = fuseConvChains(a.nodes, a.values, a.opset, keep);
    const built = new Map<string, BuildValue>();
    for (const v of graph.values.values()) {
      built.set(v.name, { ...v, layout: v.name === a.inputName ? 'nhwc' : 'plain' });
    }
    const steps: Step[] = [];
    try {
      for (const node of graph.nodes) {
        const outputs = node.outputs.map((n) => (n ? graph.values.get(n) : undefined));
        // Outputs known at import (Constant, reshaped initializers) need no kernel.
        if (outputs.every((o) => o === undefined || o.const)) continue;
        const inputs = node.inputs.map((n) => (n ? built.get(n) : undefined));
        const { run, layouts } = implFor(node).build({
          tf,
          node,
          opset: a.opset,
          inputs,
          outputs: outputs.filter((o) => o !== undefined),
          keep: (t) => {
            this.weights.push(t);
            return t;
          },
        });
        node.outputs.forEach((n, k) => {
          const v = n ? graph.values.get(n) : undefined;
          if (v) built.set(n, { ...v, layout: layouts[k] ?? 'plain' });
        });
        steps.push({
          node,
          run,
          inputs: node.inputs.map((n, i) => (n && !inputs[i]?.const ? n : undefined)),
          outputs: node.outputs,
        });
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
    this.outputValue = built.get(a.outputName)!;
    this.featurePlan = plan(steps, [a.featureTensor], a.inputName);
    this.fullPlan = plan(steps, [a.featureTensor, a.outputName], a.inputName);
  }

  /** [N, 224, 224, 3] preprocessed images → [N, 1024] features. */
  runFeatures(batch: tfjs.Tensor4D): tfjs.Tensor2D {
    return this.run(batch, { features: true }).features!;
  }

  /** [N, 224, 224, 3] preprocessed images → [N, numClasses] probabilities. */
  runProbabilities(batch: tfjs.Tensor4D): tfjs.Tensor2D {
    return this.run(batch, { probabilities: true }).probabilities!;
  }

  /** Features and/or probabilities from one pass. The caller disposes the results. */
  run(batch: tfjs.Tensor4D, want: RunRequest): RunResult {
    if (this.disposed) throw new Error('GraphExecutor used after dispose()');
    const [n, h, w, c] = batch.shape;
    if (batch.rank !== 4 || h !== INPUT_HW || w !== INPUT_HW || c !== 3) {
      throw new ModelError(
        'bad_input',
        `Expected a batch of shape [N, ${INPUT_HW}, ${INPUT_HW}, 3] (NHWC), got [${batch.shape.join(', ')}].`,
      );
    }
    if (this.analysis.batchLimit && n > 1) return this.runOneByOne(batch, want);
    const plan = want.probabilities ? this.fullPlan : this.featurePlan;
    const env = new Map<string, Tensor>([[this.analysis.inputName, batch]]);
    const result: RunResult = {};
    try {
      plan.steps.forEach((step, i) => {
        const outs = this.tf.tidy(() =>
          step.run(step.inputs.map((name) => (name ? env.get(name) : undefined))),
        );
        outs.forEach((t, k) => {
          const name = step.outputs[k];
          if (name && !env.has(name)) env.set(name, t);
          else t.dispose();
        });
        for (const name of plan.freeAfter[i] ?? []) {
          env.get(name)?.dispose();
          env.delete(name);
        }
      });
      const tf = this.tf;
      if (want.features) {
        const f = env.get(this.analysis.featureTensor)!;
        result.features = tf.tidy(() => tf.reshape(f, [-1, this.analysis.featureSize]) as tfjs.Tensor2D);
      }
      if (want.probabilities) {
        const out = env.get(this.analysis.outputName)!;
        result.probabilities = tf.tidy(() => {
          const scores = tf.reshape(toPlain(tf, out, this.outputValue), [-1, this.analysis.numClasses]);
          return (this.analysis.outputIsLogits ? tf.softmax(scores) : scores) as tfjs.Tensor2D;
        });
      }
      return result;
    } finally {
      for (const [name, t] of env) if (name !== this.analysis.inputName) t.dispose();
    }
  }

  private runOneByOne(batch: tfjs.Tensor4D, want: RunRequest): RunResult {
    const tf = this.tf;
    const parts = tf.split(batch, batch.shape[0], 0) as tfjs.Tensor4D[];
    const results = parts.map((p) => {
      const r = this.run(p, want);
      p.dispose();
      return r;
    });
    const join = (key: keyof RunResult): tfjs.Tensor2D | undefined => {
      if (!want[key]) return undefined;
      const ts = results.map((r) => r[key]!);
      const out = tf.concat(ts, 0);
      ts.forEach((t) => t.dispose());
      return out;
    };
    const result: RunResult = {};
    const features = join('features');
    const probabilities = join('probabilities');
    if (features) result.features = features;
    if (probabilities) result.probabilities = probabilities;
    return result;
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.weights) t.dispose();
    this.weights.length = 0;
  }
}

/** The steps needed for `targets`, and when each intermediate can be freed. */
function plan(steps: Step[], targets: string[], inputName: string): Plan {
  const needed = new Set(targets);
  const chosen: Step[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (!step.outputs.some((o) => needed.has(o))) continue;
    chosen.unshift(step);
    for (const n of step.inputs) if (n) needed.add(n);
  }
  const lastUse = new Map<string, number>();
  chosen.forEach((step, i) => {
    for (const n of step.inputs) if (n) lastUse.set(n, i);
    // Outputs nobody reads (e.g. a side branch) are freed right away.
    for (const o of step.outputs) if (o && !lastUse.has(o)) lastUse.set(o, i);
  });
  const freeAfter: string[][] = chosen.map(() => []);
  const keep = new Set([...targets, inputName]);
  for (const [name, i] of lastUse) if (!keep.has(name)) freeAfter[i]!.push(name);
  return { steps: chosen, freeAfter };
}
