/**
 * The one error type of Muster. Every failure a client may see carries a
 * stable `code`; the HTTP status follows from the code alone, so the mapping
 * to HTTP happens here and nowhere else.
 */
const statusByCode = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  // An upstream (an IdP) could not be reached or answered wrongly.
  bad_gateway: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof statusByCode;

/** RFC 7644 §3.12: the detail SCIM clients act on, carried by the one error type. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'invalidCursor'
  | 'sensitive';

export interface ErrorDetail {
  /** Where the problem is: a dotted path into the request body or a parameter name. */
  readonly path?: string;
  readonly message: string;
}

export class MusterError extends Error {
  override readonly name = 'MusterError';
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[] | undefined;
  readonly scimType: ScimType | undefined;
  /** For a rate limit: seconds until a retry can succeed, sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: {
      details?: readonly ErrorDetail[];
      cause?: unknown;
      scimType?: ScimType;
      retryAfterSeconds?: number;
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
    this.scimType = options?.scimType;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return statusByCode[this.code];
  }

  /** Server-side failures never show their message to clients. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code];
}

export const errorCodes = Object.keys(statusByCode) as readonly ErrorCode[];

export function isMusterError(value: unknown): value is MusterError {
  return value instanceof MusterError;
}

/** A SCIM 400 with its scimType. */
export function scimBadRequest(scimType: ScimType, message: string): MusterError {
  return new MusterError('bad_request', message, { scimType });
}

/** A 429 that says when to come back. */
export function rateLimited(message: string, retryAfterSeconds: number): MusterError {
  return new MusterError('rate_limited', message, {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
}

export function notFound(what: string): MusterError {
  return new MusterError('not_found', `${what} not found`);
}
