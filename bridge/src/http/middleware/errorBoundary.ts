import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { DomainError } from '../../errors.ts';
import { ApiError, fromDomainError, methodNotAllowed, notFound, payloadTooLarge, serviceUnavailable, validationFailed, badRequest, conflict, unsupportedMediaType } from '../errors.ts';
import { isOutage } from '../../infra/outage.ts';
import { isDuplicateKey } from '../../infra/duplicateKey.ts';

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  name?: string;
  code?: number | string;
  message?: string;
}

/** Maps anything thrown below it to the API's error shape; unknown errors become an opaque 500. */
export function errorBoundary() {
  return async function errorBoundaryMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw notFound('not_found', `No route for ${ctx.method} ${ctx.path}`);
        if (ctx.status === 405 || ctx.status === 501) throw methodNotAllowed();
      }
    } catch (thrown) {
      const error = toApiError(thrown);
      // An unknown error is ours (500); 502-504 are a dependency or WhatsApp saying no or not answering.
      if (error.status === 500) ctx.state.log?.error({ err: thrown, requestId: ctx.state.requestId }, 'request failed');
      else if (error.status > 500) ctx.state.log?.warn({ err: thrown, requestId: ctx.state.requestId, code: error.code }, 'request failed on a dependency');
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
    }
  };
}

export function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  if (thrown instanceof DomainError) return fromDomainError(thrown);
  if (thrown instanceof ZodError) {
    const first = thrown.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    return validationFailed(`${where}${first?.message ?? 'invalid input'}`, thrown.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const e = (thrown ?? {}) as HttpLikeError;
  const status = e.status ?? e.statusCode;
  // Errors from the body parser (raw-body / co-body / http-errors).
  if (status === 413 || e.type === 'entity.too.large') return payloadTooLarge('The request body is larger than this endpoint accepts.');
  if (status === 415) return unsupportedMediaType('Send JSON with Content-Type: application/json.');
  if (status === 400 && (e.type === 'entity.parse.failed' || /JSON|token|Unexpected/i.test(e.message ?? ''))) {
    return badRequest('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
    return new ApiError(status, 'bad_request', e.message ?? 'Bad request');
  }
  // MongoDB / mongoose
  if (e.name === 'CastError') return badRequest('invalid_id', 'An identifier in the request is not valid.');
  if (e.name === 'ValidationError') return validationFailed(e.message ?? 'invalid document');
  if (isDuplicateKey(e)) return conflict('conflict', 'A resource with the same unique key already exists.');
  if (isOutage(e)) return serviceUnavailable('dependency_unavailable', 'A backing service (MongoDB or Redis) is unavailable; try again shortly.');
  return new ApiError(500, 'internal_error', 'Something went wrong on our side.');
}

