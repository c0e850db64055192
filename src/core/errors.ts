/**
 * The one error type of Lattice. Services throw it; the HTTP layer turns it into the spec's
 * `{"errcode", "error"}` body with its status, in one place.
 */
export type ErrorCode =
  | 'M_FORBIDDEN'
  | 'M_UNKNOWN_TOKEN'
  | 'M_MISSING_TOKEN'
  | 'M_USER_LOCKED'
  | 'M_USER_DEACTIVATED'
  | 'M_BAD_JSON'
  | 'M_NOT_JSON'
  | 'M_NOT_FOUND'
  | 'M_LIMIT_EXCEEDED'
  | 'M_UNRECOGNIZED'
  | 'M_UNKNOWN'
  | 'M_UNAUTHORIZED'
  | 'M_USER_IN_USE'
  | 'M_INVALID_USERNAME'
  | 'M_ROOM_IN_USE'
  | 'M_INVALID_ROOM_STATE'
  | 'M_UNSUPPORTED_ROOM_VERSION'
  | 'M_INCOMPATIBLE_ROOM_VERSION'
  | 'M_BAD_STATE'
  | 'M_GUEST_ACCESS_FORBIDDEN'
  | 'M_MISSING_PARAM'
  | 'M_INVALID_PARAM'
  | 'M_TOO_LARGE'
  | 'M_EXCLUSIVE'
  | 'M_USER_SUSPENDED'
  | 'M_THREEPID_NOT_FOUND'
  | 'M_THREEPID_MEDIUM_NOT_SUPPORTED'
  | 'M_SERVER_NOT_TRUSTED'
  | 'M_WEAK_PASSWORD'
  | 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM'
  | 'M_NOT_YET_UPLOADED'
  | 'M_CANNOT_OVERWRITE_MEDIA'
  | 'M_BAD_ALIAS'
  | 'M_INVALID_SIGNATURE'
  | 'M_WRONG_ROOM_KEYS_VERSION'
  | 'M_DUPLICATE_ANNOTATION';

/** Default HTTP status of each error code, from the spec's "Standard error response" section. */
const DEFAULT_STATUS: Partial<Record<ErrorCode, number>> = {
  M_FORBIDDEN: 403,
  M_UNKNOWN_TOKEN: 401,
  M_MISSING_TOKEN: 401,
  M_USER_LOCKED: 401,
  M_USER_DEACTIVATED: 403,
  M_NOT_FOUND: 404,
  M_LIMIT_EXCEEDED: 429,
  M_UNRECOGNIZED: 404,
  M_UNAUTHORIZED: 401,
  M_TOO_LARGE: 413,
  M_GUEST_ACCESS_FORBIDDEN: 403,
  M_USER_SUSPENDED: 403,
  M_NOT_YET_UPLOADED: 504,
  M_CANNOT_OVERWRITE_MEDIA: 409,
};

export class MatrixError extends Error {
  readonly errcode: ErrorCode;
  readonly status: number;
  /** Extra top-level keys of the response body, such as `retry_after_ms` or `soft_logout`. */
  readonly extra: Record<string, unknown>;

  constructor(
    errcode: ErrorCode,
    message: string,
    options: { status?: number; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MatrixError';
    this.errcode = errcode;
    this.status = options.status ?? DEFAULT_STATUS[errcode] ?? 400;
    this.extra = options.extra ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { ...this.extra, errcode: this.errcode, error: this.message };
  }
}

export const forbidden = (message: string): MatrixError => new MatrixError('M_FORBIDDEN', message);
export const notFound = (message: string): MatrixError => new MatrixError('M_NOT_FOUND', message);
export const badJson = (message: string): MatrixError => new MatrixError('M_BAD_JSON', message);
export const invalidParam = (message: string): MatrixError => new MatrixError('M_INVALID_PARAM', message);
export const missingParam = (message: string): MatrixError => new MatrixError('M_MISSING_PARAM', message);
