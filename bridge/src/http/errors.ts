import { DomainError, type ErrorKind } from '../errors.ts';

/**
 * Every failure the API reports: a stable snake_case code and an HTTP status. The HTTP layer
 * throws these for what only it knows (authentication, bodies, methods); the core throws
 * DomainErrors, mapped here. The error boundary writes them as {"error": {"code", "message", "details"?}}.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new ApiError(400, code, message, details);
export const validationFailed = (message: string, details?: unknown) => new ApiError(400, 'validation_failed', message, details);
export const unauthorized = (message = 'A valid API key is required (Authorization: Bearer <key> or X-Api-Key).') =>
  new ApiError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
/** The router sets the Allow header before this is thrown. */
export const methodNotAllowed = () => new ApiError(405, 'method_not_allowed', 'This route does not accept that method; see the Allow header.');
export const conflict = (code: string, message: string, details?: unknown) => new ApiError(409, code, message, details);
export const payloadTooLarge = (message: string) => new ApiError(413, 'payload_too_large', message);
export const unsupportedMediaType = (message: string) => new ApiError(415, 'unsupported_media_type', message);
export const unprocessable = (code: string, message: string, details?: unknown) => new ApiError(422, code, message, details);
export const tooManyRequests = (message: string) => new ApiError(429, 'too_many_requests', message);
export const serviceUnavailable = (code: string, message: string) => new ApiError(503, code, message);

/** The one place a domain error kind becomes an HTTP status. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rejected: 422,
  refused: 502,
  outcome_unknown: 504,
  unavailable: 503,
};

export function fromDomainError(error: DomainError): ApiError {
  return new ApiError(STATUS_OF_KIND[error.kind], error.code, error.message, error.details);
}
