import type { Redis } from 'ioredis';

/**
 * A per-endpoint cap on attempts in flight, shared by every bridge instance through Redis: a
 * sorted set per webhook whose members are job ids scored by when their hold expires. Expiry
 * (the attempt timeout plus a margin) frees the slots of an instance that died mid-attempt.
 *
 * Jobs that find their endpoint full are parked in a per-endpoint list; every release wakes the
 * oldest parked job. So a backlog for one endpoint drains at that endpoint's pace without
 * polling, and never occupies worker slots.
 */
const ACQUIRE = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[1]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
  return 1
end
return 0
`;

/** Parked ids live at most this long (a parked job also has a delayed-job safety net). */
const PARKED_TTL_MS = 3_600_000;

export interface EndpointSlots {
  /** True when `holder` may start an attempt to `webhookId` now (the caller must release it). */
  acquire(webhookId: string, holder: string): Promise<boolean>;
  release(webhookId: string, holder: string): Promise<void>;
  /** Queues a job to be woken when a slot frees; returns how many are parked for the endpoint. */
  park(webhookId: string, jobId: string): Promise<number>;
  /** The oldest parked job of the endpoint, removed from the list (null when none). */
  unpark(webhookId: string): Promise<string | null>;
}

export function endpointSlots(redis: Redis, options: { keyPrefix: string; perEndpoint: number; holdMs: number }): EndpointSlots {
  const slotsKey = (webhookId: string) => `${options.keyPrefix}:webhook-slots:${webhookId}`;
  const parkedKey = (webhookId: string) => `${options.keyPrefix}:webhook-parked:${webhookId}`;
  return {
    async acquire(webhookId, holder) {
      const granted = await redis.eval(ACQUIRE, 1, slotsKey(webhookId), options.holdMs, options.perEndpoint, holder);
      return granted === 1;
    },
    async release(webhookId, holder) {
      await redis.zrem(slotsKey(webhookId), holder);
    },
    async park(webhookId, jobId) {
      const [[, length]] = (await redis.multi().rpush(parkedKey(webhookId), jobId).pexpire(parkedKey(webhookId), PARKED_TTL_MS).exec()) as [[Error | null, number]];
      return length;
    },
    async unpark(webhookId) {
      return await redis.lpop(parkedKey(webhookId));
    },
  };
}
