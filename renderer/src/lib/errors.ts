import { remedyOf, type Remedy } from '../../../src/domain/remedies.ts';
import { humanizeSystemErrors } from '../../../src/domain/system-errors.ts';

/** The way out of an error, in the app's own terms: its buttons and checkboxes, never CLI flags. */
const UI_WORDING: Record<Remedy, string> = {
  overwrite:
    'Choose another folder, or tick “Overwrite files already there” to replace it once the new export is complete.',
  'get-model': 'Download GoogLeNet or import a .onnx file in the Model panel of the Train tab.',
  'train-first': 'Train one first on the Train tab.',
  'train-or-imagenet': 'Train one first on the Train tab.',
  'list-runs': 'The Train tab lists the runs there are.',
  'extract-features': 'Click “Extract features” in the Model panel of the Train tab.',
};

/** A readable sentence for any failure, with the backend's stable code kept for decisions. */
export function errorMessage(err: unknown): string {
  let message: string;
  if (err instanceof Error) message = err.message || err.name;
  else if (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { message?: unknown }).message === 'string'
  )
    message = (err as { message: string }).message;
  else message = String(err);
  message = humanizeSystemErrors(message);
  const remedy = remedyOf(
    typeof err === 'object' && err !== null ? (err as { details?: unknown }).details : null,
  );
  return remedy ? `${message} ${UI_WORDING[remedy]}` : message;
}

export function errorCode(err: unknown): string | null {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string')
    return (err as { code: string }).code;
  return null;
}
