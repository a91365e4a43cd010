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

/**
 * The reconnect policy as a pure function. `attempt` is the number of reconnects already made
 * since the last successful open (0 for the first); `random` is in [0, 1).
 * `paired` is false while the session has never been linked (a QR session): when WhatsApp
 * stops offering QR codes (timedOut), nobody is scanning, so the session stops instead of
 * producing QR codes forever.
 */
export function decideReconnect(
  statusCode: number | undefined,
  attempt: number,
  random: number,
  paired = true,
  schedule: BackoffSchedule = DEFAULT_BACKOFF,
): ReconnectDecision {
  const reason = reasonName(statusCode);
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
      if (!paired) return { action: 'stop', reason: 'qr_timeout' };
      return { action: 'reconnect', delayMs: backoffDelay(attempt, random, schedule), reason, countsAsAttempt: true };
    default:
      // connectionClosed, unavailableService and anything unknown: transient until proven otherwise.
      return { action: 'reconnect', delayMs: backoffDelay(attempt, random, schedule), reason, countsAsAttempt: true };
  }
}
