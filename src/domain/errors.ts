import { humanizeSystemErrors } from './system-errors.ts';

/**
 * One error type crosses every transport. `code` is stable and machine-readable; `message`
 * says what went wrong and what to do about it.
 */
/**
 * Every code with its HTTP status. Below 500 means "the caller asked for something wrong":
 * HTTP 4xx, CLI exit code 2. Everything else is exit code 1.
 */
const CODES = {
  unknown_method: 404,
  invalid_args: 400,
  unauthorized: 401,
  forbidden: 403,
  unsupported_media_type: 415,
  read_only: 409,
  damaged: 400,
  not_found: 404,
  no_project: 400,
  not_a_project: 400,
  newer_schema: 409,
  conflict: 409,
  precondition: 400,
  cancelled: 499,
  unavailable: 503,
  internal: 500,
} as const;
export type ApiErrorCode = keyof typeof CODES;

/**
 * Errors of the core's own modules (the model engine's ModelError, say) carry codes of their
 * own; this is how they read at the API.
 */
const FOREIGN_CODES: Record<string, ApiErrorCode> = {
  not_onnx: 'precondition',
  truncated: 'precondition',
  no_graph: 'precondition',
  bad_model: 'precondition',
  unsupported_opset: 'precondition',
  unsupported_op: 'precondition',
  no_classifier: 'precondition',
  bad_input: 'invalid_args',
  image_decode: 'invalid_args',
  checksum_mismatch: 'precondition',
  download_failed: 'unavailable',
  engine_unavailable: 'unavailable',
  ENOENT: 'not_found',
  EACCES: 'precondition',
};

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: unknown;

  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(humanizeSystemErrors(message));
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  get isCallerError(): boolean {
    return this.code !== 'cancelled' && CODES[this.code] < 500;
  }

  toJSON(): ApiErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (isApiErrorShape(err)) {
      const mapped = isApiErrorCode(err.code) ? err.code : (FOREIGN_CODES[err.code] ?? 'internal');
      return new ApiError(mapped, err.message, err.details);
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ApiError('internal', message);
  }
}

export function isApiErrorShape(value: unknown): value is ApiErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.prototype.hasOwnProperty.call(CODES, code);
}

export function httpStatusFor(code: ApiErrorCode): number {
  return CODES[code];
}
