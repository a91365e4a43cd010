/**
 * What went wrong, in the core's terms. The core (sessions, messages, webhooks, services) throws
 * these; only http/ knows status codes (http/errorResponse.ts maps each kind to one), and the
 * owner RPC carries the kind between instances.
 */
export type ErrorKind =
  /** The request itself is malformed (an invalid cursor, recipient or media). */
  | 'invalid'
  | 'not_found'
  /** The current state does not allow it (the session exists, is not connected; a key is in use). */
  | 'conflict'
  /** Understood, but refused by a rule (an address that is not allowed, a reused key, a limit). */
  | 'rejected'
  /** More than the bridge accepts (media over the size limit). */
  | 'too_large'
  /** WhatsApp (through the owning instance's socket) was asked and refused or failed it. */
  | 'refused'
  /** It may or may not have happened: the request went out, and its answer did not come back in time. */
  | 'outcome_unknown'
  /** A dependency or the owning instance cannot be reached now, and nothing was done; try again. */
  | 'unavailable';

export const ERROR_KINDS: readonly ErrorKind[] = ['invalid', 'not_found', 'conflict', 'rejected', 'too_large', 'refused', 'outcome_unknown', 'unavailable'];

export class DomainError extends Error {
  readonly kind: ErrorKind;
  /** Stable snake_case code, shown to API users. */
  readonly code: string;
  readonly details: unknown;

  constructor(kind: ErrorKind, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const invalid = (code: string, message: string, details?: unknown) => new DomainError('invalid', code, message, details);
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string, details?: unknown) => new DomainError('conflict', code, message, details);
export const rejected = (code: string, message: string, details?: unknown) => new DomainError('rejected', code, message, details);
export const tooLarge = (code: string, message: string) => new DomainError('too_large', code, message);
export const refused = (code: string, message: string, details?: unknown) => new DomainError('refused', code, message, details);
export const outcomeUnknown = (code: string, message: string) => new DomainError('outcome_unknown', code, message);
export const unavailable = (code: string, message: string) => new DomainError('unavailable', code, message);

/**
 * Whether the operation was refused before anything was asked of WhatsApp (an unknown or
 * disconnected session, bad input, an unreachable owner): safe to undo what was prepared for it,
 * and to retry as if it never happened.
 */
export function refusedBeforeSending(error: unknown): boolean {
  return error instanceof DomainError && error.kind !== 'outcome_unknown' && error.kind !== 'refused';
}
