import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface PairingLink {
  url: string;
  token: string;
  expiresAt: string;
}

/** What a valid token says: its session, when it was issued (null for links issued before that was recorded) and until when it works. */
export interface PairingGrant {
  sessionId: string;
  issuedAt: Date | null;
  expiresAt: Date;
}

export interface PairingLinks {
  issue(sessionId: string, ttlMs: number): PairingLink;
  /** The session id of a valid, unexpired token; null otherwise. */
  verify(token: string): string | null;
  /** The grant of a valid, unexpired token; null otherwise. */
  read(token: string): PairingGrant | null;
}

/**
 * Signed, expiring links to the pairing page. The token is "<payload>.<signature>" (base64url):
 * the payload names the session, the issue time and the expiry, the signature is an HMAC-SHA256 under a key
 * derived from BRIDGE_ENCRYPTION_KEY, so any instance can check it and nothing is stored.
 */
export function pairingLinks(encryptionKey: Buffer, publicUrl: string): PairingLinks {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'whatsapp-bridge pairing-link v1', 32));
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  function read(token: string): PairingGrant | null {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const { s, e, i } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s?: unknown; e?: unknown; i?: unknown };
      if (typeof s !== 'string' || typeof e !== 'number' || e <= Date.now()) return null;
      return { sessionId: s, issuedAt: typeof i === 'number' ? new Date(i) : null, expiresAt: new Date(e) };
    } catch {
      return null;
    }
  }

  return {
    issue(sessionId, ttlMs) {
      const issuedAt = Date.now();
      const expiresAt = issuedAt + ttlMs;
      const payload = Buffer.from(JSON.stringify({ s: sessionId, e: expiresAt, i: issuedAt })).toString('base64url');
      const token = `${payload}.${sign(payload)}`;
      return { url: `${publicUrl}/pair/${token}`, token, expiresAt: new Date(expiresAt).toISOString() };
    },
    verify: (token) => read(token)?.sessionId ?? null,
    read,
  };
}
