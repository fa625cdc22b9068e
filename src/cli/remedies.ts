import { remedyOf, type Remedy } from '../domain/remedies.ts';

const CLI_WORDING: Record<Remedy, string> = {
  overwrite: 'Choose another folder, or add --force to replace it once the new export is complete.',
  'get-model':
    'Download the pretrained GoogLeNet ("incept model <project> --download"), or import a .onnx file ("incept model <project> --file model.onnx").',
  'train-first': 'Train one first ("incept train <project>").',
  'train-or-imagenet':
    'Train one first ("incept train <project>"), or ask for ImageNet classes (--imagenet).',
  'list-runs': '"incept runs <project>" lists them.',
  'extract-features': 'Compute them first ("incept embed <project>").',
};

/** The message with the command line's way out appended, when the error names one. */
export function withCliRemedy(message: string, details: unknown): string {
  const remedy = remedyOf(details);
  return remedy ? `${message} ${CLI_WORDING[remedy]}` : message;
}
