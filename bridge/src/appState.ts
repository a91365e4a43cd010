import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { connectMongo } from './infra/mongo.ts';
import { createRedis } from './infra/redis.ts';
import { createMetrics, type Metrics } from './infra/metrics.ts';
import { createModels, ensureIndexes, type Models } from './models/index.ts';
import { createSecretBox, type SecretBox } from './infra/secretBox.ts';

/**
 * Everything the API and the workers share, built once at start and passed in (no module-level
 * singletons). Features that own resources register a closer; close() runs them in reverse.
 */
export interface AppState {
  config: Config;
  log: Logger;
  mongo: Connection;
  models: Models;
  redis: Redis;
  metrics: Metrics;
  /** Encrypts values at rest under BRIDGE_ENCRYPTION_KEY. */
  secrets: SecretBox;
  /** Prefix for every Redis key and BullMQ queue of this bridge. */
  keyPrefix: string;
  onClose(closer: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface AppStateOptions {
  /** Overrides the database of MONGODB_URI (tests use one per file). */
  dbName?: string;
  logger?: Logger;
}

export async function createAppState(config: Config, options: AppStateOptions = {}): Promise<AppState> {
  const log = options.logger ?? createLogger(config.logLevel);
  const mongo = await connectMongo({ uri: config.mongodbUri, dbName: options.dbName });
  const redis = createRedis(config.redisUrl, 'commands');
  const models = createModels(mongo);
  await ensureIndexes(models);
  const closers: Array<() => Promise<void> | void> = [];
  let closed = false;
  return {
    config,
    log,
    mongo,
    models,
    redis,
    metrics: createMetrics(),
    secrets: createSecretBox(config.encryptionKey),
    keyPrefix: config.redisKeyPrefix,
    onClose(closer) {
      closers.push(closer);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const closer of closers.reverse()) {
        await Promise.resolve(closer()).catch((err: unknown) => log.warn({ err }, 'closer failed'));
      }
      redis.disconnect();
      await mongo.close().catch(() => undefined);
    },
  };
}
