import { DisconnectReason } from '@whiskeysockets/baileys';

/** What the session manager does after a socket closed. */
export type ReconnectDecision =
  | { action: 'reconnect'; delayMs: number; reason: string; countsAsAttempt: boolean }
  /** Another device took over, or the QR was never scanned: keep the creds, stop. */
  | { action: 'stop'; reason: string }
  /** The creds are no good any more: wipe them; `status` is logged_out or failed. */
  | { action: 'logout'; reason: string; status: 'logged_out' | 'failed' };

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 120_000;

/** Baileys' numeric codes to names (connectionLost and timedOut share 408). */
export function reasonName(statusCode: number | undefined): string {
  switch (statusCode) {
    case DisconnectReason.connectionClosed: return 'connection_closed';
    case DisconnectReason.connectionLost: return 'connection_lost';
    case DisconnectReason.connectionReplaced: return 'connection_replaced';
    case DisconnectReason.loggedOut: return 'logged_out';
    case DisconnectReason.badSession: return 'bad_session';
    case DisconnectReason.restartRequired: return 'restart_required';
    case DisconnectReason.multideviceMismatch: return 'multidevice_mismatch';
    case DisconnectReason.forbidden: return 'forbidden';
    case DisconnectReason.unavailableService: return 'unavailable_service';
    case undefined: return 'unknown';
    default: return `unknown_${statusCode}`;
  }
}

export interface BackoffSchedule {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffSchedule = { baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS };

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, random: number, schedule: BackoffSchedule = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(schedule.capMs, schedule.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

export interface CloseContext {
  /** Reconnects already made since the last successful open (0 for the first). */
  attempt: number;
  /** In [0, 1): the backoff's jitter. */
  random: number;
  /** Whether the session has ever been linked to a phone. */
  paired: boolean;
  /** Whether this socket showed at least one QR code before it closed. */
  qrShown: boolean;
  schedule?: BackoffSchedule;
}

/**
 * The reconnect policy as a pure function. A session that was never linked and whose QR codes
 * ran out (timedOut after WhatsApp offered codes) stops: nobody is scanning, and it would make QR
 * codes forever. A connection that failed before any code was shown (WhatsApp unreachable) is a
 * transient failure like any other.
 */
export function decideReconnect(statusCode: number | undefined, context: CloseContext): ReconnectDecision {
  const reason = reasonName(statusCode);
  const backoff = () => ({ action: 'reconnect' as const, delayMs: backoffDelay(context.attempt, context.random, context.schedule ?? DEFAULT_BACKOFF), reason, countsAsAttempt: true });
  switch (statusCode) {
    case DisconnectReason.restartRequired:
      return { action: 'reconnect', delayMs: 0, reason, countsAsAttempt: false };
    case DisconnectReason.connectionReplaced:
      return { action: 'stop', reason };
    case DisconnectReason.loggedOut:
      return { action: 'logout', reason, status: 'logged_out' };
    case DisconnectReason.badSession:
    case DisconnectReason.forbidden:
    case DisconnectReason.multideviceMismatch:
      return { action: 'logout', reason, status: 'failed' };
    case DisconnectReason.timedOut:
      if (!context.paired && context.qrShown) return { action: 'stop', reason: 'qr_timeout' };
      return backoff();
    default:
      // connectionClosed, unavailableService and anything unknown: transient until proven otherwise.
      return backoff();
  }
}
