/**
 * Turns every failure into a Matrix error response (status + `{errcode, error}`): our MatrixErrors as they are,
 * koa/router HTTP errors mapped to the closest Matrix code, and anything unexpected into a logged 500
 * `M_UNKNOWN` that never takes the process down.
 */
import type { Context, Next } from 'koa';
import { MatrixError } from '../handlers/matrixError.ts';
import type { Logger } from '../logging/logger.ts';

interface HttpErrorLike {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message: string;
}

export function toMatrixError(error: unknown): MatrixError | null {
  if (error instanceof MatrixError) return error;
  const http = error as HttpErrorLike;
  const status = http?.status ?? http?.statusCode;
  if (typeof status !== 'number' || status >= 500) return null;
  switch (status) {
    case 404:
      return MatrixError.unrecognized();
    case 405:
    case 501:
      return new MatrixError(405, 'M_UNRECOGNIZED', 'Unrecognized request');
    case 413:
      return new MatrixError(413, 'M_TOO_LARGE', 'Request body too large');
    case 400:
      return new MatrixError(400, 'M_BAD_JSON', http.expose ? http.message : 'Bad request');
    default:
      return new MatrixError(status, 'M_UNKNOWN', http.expose ? http.message : 'Request failed');
  }
}

export function errorResponses(log: Logger) {
  return async function errorResponsesMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw MatrixError.unrecognized();
    } catch (error) {
      let matrixError = toMatrixError(error);
      if (!matrixError) {
        log.error(`${ctx.method} ${ctx.path} failed`, error);
        matrixError = new MatrixError(500, 'M_UNKNOWN', 'Internal server error');
      }
      ctx.status = matrixError.status;
      ctx.body = matrixError.toJSON();
      const retryAfterMs = matrixError.extra.retry_after_ms;
      if (typeof retryAfterMs === 'number') ctx.set('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
    }
  };
}
