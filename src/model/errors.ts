/**
 * Errors from the model engine. `code` is stable so the API layer can map it to an `ApiError`;
 * `message` says what went wrong and what to do.
 */
export type ModelErrorCode =
  | 'not_found'
  | 'not_onnx'
  | 'truncated'
  | 'no_graph'
  | 'bad_model'
  | 'unsupported_opset'
  | 'unsupported_op'
  | 'no_classifier'
  | 'bad_input'
  | 'engine_unavailable'
  | 'image_decode'
  | 'download_failed'
  | 'checksum_mismatch'
  | 'cancelled';

export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
