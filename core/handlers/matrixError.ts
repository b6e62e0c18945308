/**
 * The one error type a client or remote server ever sees: an HTTP status with a Matrix `errcode` and a
 * human-readable `error`. Handlers throw it; core/http turns it into the response.
 */

export type MatrixErrcode =
  | 'M_FORBIDDEN'
  | 'M_UNKNOWN_TOKEN'
  | 'M_MISSING_TOKEN'
  | 'M_BAD_JSON'
  | 'M_NOT_JSON'
  | 'M_NOT_FOUND'
  | 'M_LIMIT_EXCEEDED'
  | 'M_UNRECOGNIZED'
  | 'M_UNKNOWN'
  | 'M_UNAUTHORIZED'
  | 'M_USER_DEACTIVATED'
  | 'M_USER_IN_USE'
  | 'M_INVALID_USERNAME'
  | 'M_ROOM_IN_USE'
  | 'M_INVALID_ROOM_STATE'
  | 'M_THREEPID_IN_USE'
  | 'M_THREEPID_NOT_FOUND'
  | 'M_SERVER_NOT_TRUSTED'
  | 'M_UNSUPPORTED_ROOM_VERSION'
  | 'M_INCOMPATIBLE_ROOM_VERSION'
  | 'M_BAD_STATE'
  | 'M_GUEST_ACCESS_FORBIDDEN'
  | 'M_MISSING_PARAM'
  | 'M_INVALID_PARAM'
  | 'M_TOO_LARGE'
  | 'M_EXCLUSIVE'
  | 'M_RESOURCE_LIMIT_EXCEEDED'
  | 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM'
  | 'M_WEAK_PASSWORD'
  | 'M_UNABLE_TO_AUTHORISE_JOIN'
  | 'M_UNABLE_TO_GRANT_JOIN'
  | 'M_UNAVAILABLE'
  | 'M_NOT_YET_UPLOADED'
  | 'M_CANNOT_OVERWRITE_MEDIA'
  | 'M_USER_LOCKED'
  | 'M_USER_SUSPENDED'
  | 'M_CAPTCHA_NEEDED'
  | 'M_CAPTCHA_INVALID'
  | 'M_WRONG_ROOM_KEYS_VERSION'
  | 'M_INVALID_SIGNATURE'
  | 'M_THREEPID_AUTH_FAILED'
  | 'M_THREEPID_DENIED'
  | 'M_EXCLUSIVE'
  | 'M_DUPLICATE_ANNOTATION'
  | 'M_PROFILE_TOO_LARGE'
  | 'M_KEY_TOO_LARGE';

export class MatrixError extends Error {
  override readonly name = 'MatrixError';
  constructor(
    readonly status: number,
    readonly errcode: MatrixErrcode,
    message: string,
    /** Extra members of the error body, e.g. `retry_after_ms`, `soft_logout`, user-interactive auth flows. */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { ...this.extra, errcode: this.errcode, error: this.message };
  }

  static forbidden(message: string): MatrixError {
    return new MatrixError(403, 'M_FORBIDDEN', message);
  }
  static notFound(message: string): MatrixError {
    return new MatrixError(404, 'M_NOT_FOUND', message);
  }
  static badJson(message: string): MatrixError {
    return new MatrixError(400, 'M_BAD_JSON', message);
  }
  static missingParam(message: string): MatrixError {
    return new MatrixError(400, 'M_MISSING_PARAM', message);
  }
  static invalidParam(message: string): MatrixError {
    return new MatrixError(400, 'M_INVALID_PARAM', message);
  }
  static unrecognized(message = 'Unrecognized request'): MatrixError {
    return new MatrixError(404, 'M_UNRECOGNIZED', message);
  }
}
