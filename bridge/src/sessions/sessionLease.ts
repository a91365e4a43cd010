import type { Redis } from 'ioredis';

/**
 * Which instance owns a session's socket (invariant 5). A lease is a Redis key
 * "<prefix>:lease:<sessionId>" holding "<instanceId>:<fencingToken>" with a PX expiry; the token
 * comes from INCR on "<prefix>:fence:<sessionId>", so every new owner has a larger one. Renewal
 * and release only touch the key while it still holds our exact value.
 */
export interface Lease {
  sessionId: string;
  token: number;
  value: string;
}

export interface LeaseOwner {
  instanceId: string;
  token: number;
}

export interface SessionLeases {
  /**
   * Takes the lease if nobody holds it. `floor` is the largest token already written to the
   * session document: the counter jumps past it, so a Redis that lost its data (restart without
   * persistence) still hands out larger tokens.
   */
  acquire(sessionId: string, floor?: number): Promise<Lease | null>;
  /** False when the lease was lost (expired and taken, or deleted). */
  renew(lease: Lease): Promise<boolean>;
  /** Renews many leases in one round trip; true where still held. */
  renewAll(leases: Lease[]): Promise<boolean[]>;
  release(lease: Lease): Promise<void>;
  /** Whether `lease` is still the current one. */
  holds(lease: Lease): Promise<boolean>;
  owner(sessionId: string): Promise<LeaseOwner | null>;
  /** Owners of many sessions at once (null where unowned). */
  owners(sessionIds: string[]): Promise<Array<LeaseOwner | null>>;
  /**
   * For a deleted session: drops its lease (an owner that could not be reached notices at its
   * next renewal and lets the socket go) and its fencing counter.
   */
  forget(sessionId: string): Promise<void>;
}

const ACQUIRE = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local token = redis.call('incr', KEYS[2])
if token <= tonumber(ARGV[3]) then
  token = tonumber(ARGV[3]) + 1
  redis.call('set', KEYS[2], token)
end
redis.call('set', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token`;

const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

function parseOwner(value: string | null): LeaseOwner | null {
  if (!value) return null;
  const at = value.lastIndexOf(':');
  return { instanceId: value.slice(0, at), token: Number(value.slice(at + 1)) };
}

export function redisSessionLeases(redis: Redis, keyPrefix: string, instanceId: string, leaseMs: number): SessionLeases {
  const leaseKey = (sessionId: string) => `${keyPrefix}:lease:${sessionId}`;
  const fenceKey = (sessionId: string) => `${keyPrefix}:fence:${sessionId}`;
  return {
    async acquire(sessionId, floor = 0) {
      const token = Number(await redis.eval(ACQUIRE, 2, leaseKey(sessionId), fenceKey(sessionId), instanceId, leaseMs, floor));
      return token > 0 ? { sessionId, token, value: `${instanceId}:${token}` } : null;
    },
    async renew(lease) {
      return Number(await redis.eval(RENEW, 1, leaseKey(lease.sessionId), lease.value, leaseMs)) === 1;
    },
    async renewAll(leases) {
      if (!leases.length) return [];
      const pipeline = redis.pipeline();
      for (const lease of leases) pipeline.eval(RENEW, 1, leaseKey(lease.sessionId), lease.value, leaseMs);
      const results = (await pipeline.exec()) ?? [];
      return leases.map((_, i) => !results[i]?.[0] && Number(results[i]?.[1]) === 1);
    },
    async release(lease) {
      await redis.eval(RELEASE, 1, leaseKey(lease.sessionId), lease.value);
    },
    async holds(lease) {
      return (await redis.get(leaseKey(lease.sessionId))) === lease.value;
    },
    async owner(sessionId) {
      return parseOwner(await redis.get(leaseKey(sessionId)));
    },
    async owners(sessionIds) {
      if (!sessionIds.length) return [];
      const values = await redis.mget(...sessionIds.map(leaseKey));
      return values.map(parseOwner);
    },
    async forget(sessionId) {
      await redis.del(leaseKey(sessionId), fenceKey(sessionId));
    },
  };
}
