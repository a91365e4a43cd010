import { z } from 'zod';
import { component } from './components.ts';

/**
 * The one error shape (DESIGN.md, "HTTP API"), as the error boundary writes it
 * (middleware/errorBoundary.ts), and what each status means on this API.
 */
export const errorResponse = component(
  'Error',
  z.object({
    error: z.object({
      /** Stable, snake_case: branch on it. */
      code: z.string().regex(/^[a-z][a-z0-9_]*$/),
      /** For people; may change. */
      message: z.string(),
      /** validation_failed: `[{path, message}]`, one per problem; other codes: what helps (e.g. `{status}`). */
      details: z.unknown().optional(),
    }),
  }),
  'Every 4xx and 5xx answer: {"error": {"code", "message", "details"?}}.',
);

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 500 | 502 | 503 | 504;

/** What each status means here, and the codes it comes with; the document's `components.responses`. */
export const ERROR_MEANINGS: Record<ErrorStatus, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description:
      'The request is malformed: `validation_failed` (details lists each problem as {path, message}), `invalid_json`, `invalid_cursor`, `invalid_id`, `invalid_media_url`, `invalid_base64`, `invalid_recipient`, `bad_request`.',
  },
  401: { name: 'Unauthorized', description: '`unauthorized`: no key, or a key that is unknown or revoked (`WWW-Authenticate: Bearer`).' },
  403: { name: 'Forbidden', description: '`forbidden`: the key is valid but of the wrong kind (an organization key on an admin route, or the admin key on an organization route).' },
  404: { name: 'NotFound', description: 'Nothing there: `not_found` (no such route) or `<thing>_not_found` (`session_not_found`, `webhook_not_found`, …); also `qr_not_available`. An id that cannot exist is 404 too.' },
  405: { name: 'MethodNotAllowed', description: '`method_not_allowed`: the path exists with other methods (see the `Allow` header).' },
  409: { name: 'Conflict', description: 'The current state does not allow it: `session_exists`, `session_not_running`, `session_not_connected`, `session_already_paired`, `webhook_disabled`, `delivery_pending`, `idempotency_key_in_progress`, `conflict`, …' },
  413: { name: 'PayloadTooLarge', description: '`payload_too_large`: the body (1 MiB; 24 MiB when sending media) or the fetched media is over the limit.' },
  415: { name: 'UnsupportedMediaType', description: '`unsupported_media_type`: a body that is not `application/json`.' },
  422: { name: 'Unprocessable', description: 'Understood but refused by a rule: `webhook_url_not_allowed`, `webhook_url_unresolvable`, `webhook_limit_reached`, `media_url_forbidden`, `media_unreachable`, `idempotency_key_reused`, …' },
  500: { name: 'InternalError', description: '`internal_error`: a fault of the bridge (logged with the request id, `X-Request-Id`).' },
  502: { name: 'BadGateway', description: 'WhatsApp was asked and refused or failed it: `send_failed` (details has the message `id`), `session_call_failed`.' },
  503: { name: 'ServiceUnavailable', description: 'Try again shortly: `dependency_unavailable` (MongoDB or Redis), `session_owner_unavailable`, `sessions_unavailable`, `shutting_down`.' },
  504: { name: 'GatewayTimeout', description: 'It may or may not have happened: `session_owner_timeout`, `session_call_timeout`.' },
};
