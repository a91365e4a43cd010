import type { Redis } from 'ioredis';

export interface StoredQr {
  qr: string;
  expiresAt: string;
}

/**
 * The current QR code of each session, in Redis only (invariant 4), under a key that expires
 * with the code itself.
 */
export interface QrStore {
  put(sessionId: string, qr: string, ttlMs: number): Promise<StoredQr>;
  get(sessionId: string): Promise<StoredQr | null>;
  clear(sessionId: string): Promise<void>;
}

export function redisQrStore(redis: Redis, keyPrefix: string): QrStore {
  const key = (sessionId: string) => `${keyPrefix}:qr:${sessionId}`;
  return {
    async put(sessionId, qr, ttlMs) {
      const stored = { qr, expiresAt: new Date(Date.now() + ttlMs).toISOString() };
      await redis.set(key(sessionId), JSON.stringify(stored), 'PX', ttlMs);
      return stored;
    },
    async get(sessionId) {
      const raw = await redis.get(key(sessionId));
      return raw ? (JSON.parse(raw) as StoredQr) : null;
    },
    async clear(sessionId) {
      await redis.del(key(sessionId));
    },
  };
}
