import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { connectMongo } from './infra/mongo.ts';
import { createRedis } from './infra/redis.ts';
import { createMetrics, type Metrics } from './infra/metrics.ts';
import { createModels, ensureIndexes, type Models } from './models/index.ts';
import { migrateMessageIds } from './migrations/messageIdsWithoutChat.ts';
import { createSecretBox, type SecretBox } from './infra/secretBox.ts';
import { withDeadline } from './infra/deadline.ts';
import { resolveDeployment } from './infra/deployment.ts';

/** A closer that has not finished by then is abandoned (the process is exiting anyway). */
const CLOSER_MS = 8_000;

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
  /** Registers a closer; `name` says what it closes, in the log line if it fails or hangs. */
  onClose(name: string, closer: () => Promise<void> | void): void;
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
  await migrateMessageIds(models, log);
  const { keyPrefix } = await resolveDeployment(mongo, redis, config.redisKeyPrefix).catch(async (error: unknown) => {
    redis.disconnect();
    await mongo.close().catch(() => undefined);
    throw error;
  });
  const closers: Array<{ name: string; close: () => Promise<void> | void }> = [];
  let closed = false;
  return {
    config,
    log,
    mongo,
    models,
    redis,
    metrics: createMetrics(),
    secrets: createSecretBox(config.encryptionKey),
    keyPrefix,
    onClose(name, close) {
      closers.push({ name, close });
    },
    async close() {
      if (closed) return;
      closed = true;
      // Each closer gets a bounded time: one waiting on an unreachable Redis or MongoDB must not
      // keep the rest (and the connections below) open.
      for (const { name, close } of closers.reverse()) {
        const started = Date.now();
        await withDeadline(Promise.resolve().then(close), CLOSER_MS, `closing ${name}`).catch((err: unknown) => log.warn({ err, closer: name }, 'closer failed; going on'));
        log.debug({ closer: name, ms: Date.now() - started }, 'closed');
      }
      redis.disconnect();
      await mongo.close().catch(() => undefined);
    },
  };
}
