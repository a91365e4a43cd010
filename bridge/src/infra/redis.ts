import { Redis, type RedisOptions } from 'ioredis';

/**
 * Connections for commands (fail fast: one retry, 5 s command timeout) and for BullMQ, which
 * needs `maxRetriesPerRequest: null` for its blocking commands.
 */
export function createRedis(url: string, purpose: 'commands' | 'queue' | 'subscriber'): Redis {
  const base: RedisOptions = {
    connectTimeout: 5_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
  const options: RedisOptions =
    purpose === 'commands'
      ? { ...base, maxRetriesPerRequest: 1, commandTimeout: 5_000, enableOfflineQueue: true }
      : { ...base, maxRetriesPerRequest: null };
  const redis = new Redis(url, options);
  // Without a listener ioredis prints unhandled errors; outages are reported through readiness.
  redis.on('error', () => undefined);
  return redis;
}
