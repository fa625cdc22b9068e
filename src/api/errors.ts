/**
 * One error type crosses every transport. `code` is stable and machine-readable; `message`
 * says what went wrong and what to do about it.
 */
const API_ERROR_CODES = [
  'unknown_method',
  'invalid_args',
  'unauthorized',
  'not_found',
  'no_project',
  'not_a_project',
  'newer_schema',
  'conflict',
  'precondition',
  'cancelled',
  'unavailable',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const ALL_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

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

/** Codes that mean "the caller asked for something wrong" (CLI exit 2, HTTP 4xx). */
const CALLER_ERRORS: ReadonlySet<ApiErrorCode> = new Set([
  'unknown_method',
  'invalid_args',
  'unauthorized',
  'not_found',
  'no_project',
  'not_a_project',
  'newer_schema',
  'conflict',
  'precondition',
]);

export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: unknown;

  constructor(code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  get isCallerError(): boolean {
    return CALLER_ERRORS.has(this.code);
  }

  toJSON(): ApiErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (isApiErrorShape(err)) {
      const mapped = ALL_CODES.has(err.code) ? err.code : (FOREIGN_CODES[err.code] ?? 'internal');
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

export function httpStatusFor(code: ApiErrorCode): number {
  switch (code) {
    case 'unauthorized':
      return 401;
    case 'unknown_method':
    case 'not_found':
      return 404;
    case 'conflict':
    case 'newer_schema':
      return 409;
    case 'invalid_args':
    case 'not_a_project':
    case 'no_project':
    case 'precondition':
      return 400;
    case 'cancelled':
      return 499;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}
