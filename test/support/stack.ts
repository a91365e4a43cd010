import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import type Router from '@koa/router';
import { loadConfig, type Config } from '../../bridge/src/config.ts';
import type { AppState } from '../../bridge/src/appState.ts';
import { createBridge, type Bridge, type BridgeOptions } from '../../bridge/src/bridgeRuntime.ts';
import { listen, type RunningServer } from '../../bridge/src/server.ts';
import { createApp } from '../../bridge/src/http/app.ts';
import { createLogger } from '../../bridge/src/infra/logger.ts';
import { FakeWhatsApp } from './fakeSocket.ts';
import { installConformance } from './openapiConformance.ts';

// The suite runs against whatever MONGODB_URI names (MongoDB, Atlas, a FerretDB 2), by default the
// local server scripts/test.sh starts. Each test bridge uses a database of its own.
export const MONGODB_URI = process.env.TEST_MONGODB_URI ?? process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';

/** The same server with another database named in the path (options kept). */
export function withDatabase(uri: string, dbName: string): string {
  const url = new URL(uri);
  url.pathname = `/${dbName}`;
  return url.toString();
}
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_KEY = 'test-admin-key-0123456789';

/** A unique, short name for this test's database and Redis prefix. */
export function uniqueName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
}

export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    MONGODB_URI,
    REDIS_URL,
    BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    BRIDGE_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    BRIDGE_SPOOL_DIR: join(tmpdir(), 'wab-test-spool'),
    ...overrides,
  };
}

export interface TestBridge {
  bridge: Bridge;
  state: AppState;
  /** The fake WhatsApp every session of this bridge connects to. */
  whatsapp: FakeWhatsApp;
  config: Config;
  url: string;
  running: RunningServer;
  dbName: string;
  /** fetch against the bridge with a JSON body and an optional key. */
  request(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** An organization and its first API key. */
  createOrganization(name?: string): Promise<{ id: string; apiKey: string }>;
  close(): Promise<void>;
}

export interface TestBridgeOptions {
  label: string;
  env?: Record<string, string | undefined>;
  /** Replace the API routers entirely (tests of the HTTP layer itself). */
  routers?: (state: AppState) => Router[];
  bridgeOptions?: BridgeOptions;
  /** Do not call bridge.start() (no session restore, no workers). */
  noStart?: boolean;
  /** Keep the database (another bridge in the same test uses it). */
  dbName?: string;
}

/** A bridge on a random port with its own database and Redis prefix; close() removes both. */
export async function startTestBridge(options: TestBridgeOptions): Promise<TestBridge> {
  const dbName = options.dbName ?? uniqueName(options.label);
  const prefix = uniqueName(options.label);
  const config = loadConfig(testEnv({ REDIS_KEY_PREFIX: prefix, ...options.env }));
  const whatsapp = new FakeWhatsApp();
  const bridge = await createBridge(config, {
    dbName,
    logger: createLogger(config.logLevel),
    socketFactory: whatsapp.factory,
    ...options.bridgeOptions,
  });
  const { state } = bridge;
  const app = options.routers ? createApp(state, options.routers(state)) : bridge.app;
  // Every response is checked against the OpenAPI document; a mismatch fails the test (openapiConformanceSetup.ts).
  installConformance(app, config.waSandbox);
  const running = await listen(app, 0, state.log, '127.0.0.1');
  if (!options.noStart) await bridge.start();

  const request: TestBridge['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${running.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, headers: res.headers };
  };

  return {
    bridge,
    state,
    whatsapp,
    config,
    url: running.url,
    running,
    dbName,
    request,
    async createOrganization(name = 'org') {
      const res = await request('POST', '/v1/admin/organizations', { key: ADMIN_KEY, body: { name } });
      if (res.status !== 201) throw new Error(`createOrganization: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, apiKey: res.body.apiKey };
    },
    async close() {
      // Workers stop first, so nothing writes back into what is removed next.
      await running.shutdown(2_000);
      await bridge.close();
      await removeTestData(config, options.dbName ? undefined : dbName, prefix);
    },
  };
}

/** Drops the test's database and deletes its Redis keys, over connections of its own. */
async function removeTestData(config: Config, dbName: string | undefined, prefix: string): Promise<void> {
  if (dbName) {
    const client = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 3_000 });
    try {
      await client.connect();
      await client.db(dbName).dropDatabase();
    } catch {
      // The database may be the one a test stopped.
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  await deleteRedisKeys(config.redisUrl, prefix).catch(() => undefined); // Redis may be the one a test stopped
}

/** Deletes every Redis key that starts with `prefix` (tests' and benchmarks' cleanup). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
