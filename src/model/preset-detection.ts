/**
 * Which preprocessing a model file asks for, from what the file itself says.
 */
import type { OnnxModel } from './onnx/read.ts';
import { PRESETS, type Preprocessing } from '../domain/preprocessing.ts';
import {
  describeLeadingNormalisation,
  leadingNormalisation,
  type LeadingNormalisation,
} from './leading-normalisation.ts';

export interface DetectedPreprocessing {
  preprocessing: Preprocessing;
  /** Where the file says so, for people. */
  from: string;
  /** Set when the graph normalises its input itself. */
  selfNormalising?: LeadingNormalisation;
}

/**
 * The preset a file reveals, with where it says so, or null when it does not say. Signs, in
 * order: Incept's own metadata, a leading normalisation sub-graph (then Incept feeds plain
 * pixels), then the names exporters leave (Caffe2's `data_0`/`inception_`,
 * PyTorch's `conv1.bn` / `/inception3a/`, TF-slim's `InceptionV1/`).
 */
export function detectPreprocessing(model: OnnxModel): DetectedPreprocessing | null {
  const props = model.proto.metadataProps ?? [];
  const declared = props.find((p) => p.key === 'incept.preprocessing.preset')?.value;
  if (declared === 'caffe' || declared === 'torchvision' || declared === 'tf') {
    return { preprocessing: PRESETS[declared], from: 'the file’s metadata (incept.preprocessing.preset)' };
  }
  // Before the names: a PyTorch file that normalises in its graph must not be normalised again.
  const prefix = leadingNormalisation(model, Object.values(PRESETS));
  // Constants of no known preset: the range and channel order are the person's to say, and
  // the names below would only suggest a preset the graph already applies.
  if (prefix && !prefix.preprocessing) return null;
  if (prefix?.preprocessing) {
    return {
      preprocessing: prefix.preprocessing,
      from: describeLeadingNormalisation(prefix),
      selfNormalising: prefix,
    };
  }
  const names = [
    ...model.inputs.map((i) => i.name),
    ...model.initializers.keys(),
    ...model.nodes.flatMap((n) => n.outputs),
  ];
  const has = (re: RegExp) => names.some((n) => re.test(n));
  const producer = model.producer.toLowerCase();
  if (has(/^InceptionV1\//) || producer.startsWith('tf2onnx') || producer.startsWith('keras2onnx')) {
    return { preprocessing: PRESETS.tf, from: `TensorFlow names (producer "${model.producer}")` };
  }
  if (producer.startsWith('pytorch') || has(/\.bn\.running_mean$/) || has(/^\/inception3a\//)) {
    return {
      preprocessing: PRESETS.torchvision,
      from: `PyTorch/torchvision names (producer "${model.producer}")`,
    };
  }
  if (producer.includes('caffe') || has(/^inception_3a\//) || model.inputs.some((i) => i.name === 'data_0')) {
    return { preprocessing: PRESETS.caffe, from: `Caffe names (producer "${model.producer || 'unknown'}")` };
  }
  return null;
}
