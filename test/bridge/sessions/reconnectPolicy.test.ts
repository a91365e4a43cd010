import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay, decideReconnect } from '../../../bridge/src/sessions/reconnectPolicy.ts';

describe('reconnect policy', () => {
  it('reconnects at once after restartRequired, without counting an attempt', () => {
    expect(decideReconnect(DisconnectReason.restartRequired, { attempt: 5, random: 0.9, paired: true, qrShown: true })).toEqual({ action: 'reconnect', delayMs: 0, reason: 'restart_required', countsAsAttempt: false });
  });

  it.each([
    [DisconnectReason.connectionClosed, 'connection_closed'],
    [DisconnectReason.connectionLost, 'connection_lost'],
    [DisconnectReason.unavailableService, 'unavailable_service'],
    [undefined, 'unknown'],
    [499, 'unknown_499'],
  ])('backs off exponentially with full jitter after %s', (code, reason) => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => decideReconnect(code, { attempt: attempt, random: 0.999999, paired: true, qrShown: true }));
    for (const d of delays) expect(d).toMatchObject({ action: 'reconnect', reason, countsAsAttempt: true });
    const ms = delays.map((d) => (d.action === 'reconnect' ? d.delayMs : -1));
    // Ceiling doubles from the base: 2 s, 4 s, 8 s … and stops at the cap.
    expect(ms.slice(0, 6)).toEqual([1999, 3999, 7999, 15999, 31999, 63999]);
    expect(ms.slice(6)).toEqual([BACKOFF_CAP_MS - 1, BACKOFF_CAP_MS - 1, BACKOFF_CAP_MS - 1, BACKOFF_CAP_MS - 1]);
  });

  it('full jitter spreads delays uniformly below the ceiling', () => {
    expect(backoffDelay(3, 0)).toBe(0);
    expect(backoffDelay(3, 0.5)).toBe(BACKOFF_BASE_MS * 4);
    expect(backoffDelay(100, 0.5)).toBe(BACKOFF_CAP_MS / 2);
    expect(backoffDelay(1, 0.25, { baseMs: 100, capMs: 150 })).toBe(37);
  });

  it('an unpaired session whose connection fails before any QR was shown backs off and retries', () => {
    for (const code of [DisconnectReason.timedOut, DisconnectReason.connectionClosed, undefined]) {
      expect(decideReconnect(code, { attempt: 0, random: 0.5, paired: false, qrShown: false })).toMatchObject({ action: 'reconnect', delayMs: 1000, countsAsAttempt: true });
    }
  });

  it('timedOut is a transient failure for a paired session, the end of QR codes for an unpaired one', () => {
    expect(decideReconnect(DisconnectReason.timedOut, { attempt: 0, random: 0.5, paired: true, qrShown: true })).toMatchObject({ action: 'reconnect', delayMs: 1000 });
    expect(decideReconnect(DisconnectReason.timedOut, { attempt: 0, random: 0.5, paired: false, qrShown: true })).toEqual({ action: 'stop', reason: 'qr_timeout' });
  });

  it('stops on connectionReplaced and cleans up on loggedOut, badSession, forbidden, multideviceMismatch', () => {
    expect(decideReconnect(DisconnectReason.connectionReplaced, { attempt: 0, random: 0.5, paired: true, qrShown: true })).toEqual({ action: 'stop', reason: 'connection_replaced' });
    expect(decideReconnect(DisconnectReason.loggedOut, { attempt: 0, random: 0.5, paired: true, qrShown: true })).toEqual({ action: 'logout', reason: 'logged_out', status: 'logged_out' });
    expect(decideReconnect(DisconnectReason.badSession, { attempt: 0, random: 0.5, paired: true, qrShown: true })).toEqual({ action: 'logout', reason: 'bad_session', status: 'failed' });
    expect(decideReconnect(DisconnectReason.forbidden, { attempt: 0, random: 0.5, paired: true, qrShown: true })).toEqual({ action: 'logout', reason: 'forbidden', status: 'failed' });
    expect(decideReconnect(DisconnectReason.multideviceMismatch, { attempt: 0, random: 0.5, paired: true, qrShown: true })).toEqual({ action: 'logout', reason: 'multidevice_mismatch', status: 'failed' });
  });
});
