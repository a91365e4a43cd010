import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseWaVersion, type WaVersion } from './whatsapp/waVersion.ts';

/** Parses "5s,5m,30m,2h" into milliseconds. */
export function parseDurationList(value: string): number[] {
  return value.split(',').map((part) => parseDuration(part.trim()));
}

export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!match) throw new Error(`"${value}" is not a duration like 500ms, 5s, 5m or 2h`);
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * factor);
}

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The parts of the bridge one process runs (BRIDGE_ROLES); every one by default. */
export const ROLES = ['api', 'sessions', 'inbound', 'webhooks'] as const;
export type Role = (typeof ROLES)[number];

const roleList = z
  .string()
  .default(ROLES.join(','))
  .transform((value, ctx) => {
    const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length > 0 || roles.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must list some of ${ROLES.join(', ')} (got "${value}")` });
      return z.NEVER;
    }
    return new Set(roles as Role[]);
  });

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BRIDGE_ROLES: roleList,
  PUBLIC_URL: z.url().optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .default('mongodb://127.0.0.1:27017/whatsapp-bridge'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  BRIDGE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  BRIDGE_ENCRYPTION_KEY: z
    .string({ error: 'is required (32 random bytes, base64; e.g. `openssl rand -base64 32`)' })
    .refine((v) => Buffer.from(v, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(v), {
      message: 'must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)',
    }),
  INSTANCE_ID: z.string().min(1).optional(),
  SESSION_LEASE_MS: positiveInt(30_000).pipe(z.number().min(1_000)),
  MAX_SESSIONS_PER_INSTANCE: positiveInt(500),
  WEBHOOK_TIMEOUT_MS: positiveInt(15_000),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5s,5m,30m,2h,5h,10h,10h')
    .transform((value, ctx) => {
      try {
        return parseDurationList(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag,
  MEDIA_ALLOW_PRIVATE_NETWORKS: booleanFlag,
  WA_WEBSOCKET_URL: z.url({ protocol: /^wss?$/ }).optional(),
  WA_VERSION: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return parseWaVersion(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  WA_HISTORY_SYNC: z.enum(['off', 'recent', 'full']).default('recent'),
  WA_DECRYPTION_TIMEOUT: z
    .string()
    .default('2m')
    .transform((value, ctx) => {
      try {
        return parseDuration(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  BRIDGE_SPOOL_DIR: z.string().min(1).optional(),
  WA_SANDBOX: booleanFlag,
  WA_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(3099),
  WA_SANDBOX_ALLOW_IN_PRODUCTION: booleanFlag,
  WA_SANDBOX_STATE_FILE: z.string().min(1).optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^\S+$/, 'must not contain spaces (it is sent as Authorization: Bearer <token>)')
    .optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

/** Every environment variable the bridge reads (the compose file and the Dockerfile are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  port: number;
  /** What this process runs: the HTTP API, session sockets, the inbound retry worker, webhook delivery. */
  roles: ReadonlySet<Role>;
  publicUrl: string;
  mongodbUri: string;
  redisUrl: string;
  /** Set by hand; otherwise the deployment's own, derived from the database (infra/deployment.ts). */
  redisKeyPrefix: string | undefined;
  adminKey: string | undefined;
  encryptionKey: Buffer;
  instanceId: string;
  sessionLeaseMs: number;
  maxSessionsPerInstance: number;
  webhookTimeoutMs: number;
  webhookRetrySchedule: number[];
  webhookAllowPrivateNetworks: boolean;
  /** Outbound media (send by URL) may be fetched from loopback and private addresses. */
  mediaAllowPrivateNetworks: boolean;
  waWebSocketUrl: string | undefined;
  /** WA_VERSION: the WhatsApp Web version to announce instead of fetching the current one. */
  waVersion: WaVersion | undefined;
  /** What history sync keeps: nothing but mappings and contacts (off), recent messages, or the full history. */
  waHistorySync: 'off' | 'recent' | 'full';
  /** How long a message that could not be decrypted waits for WhatsApp's retry before `message.undecryptable`. */
  decryptionTimeoutMs: number;
  /** Where inbound writes go that neither MongoDB nor Redis takes (replayed at the next start). */
  spoolDir: string;
  waSandbox: boolean;
  /** Port of the sandbox simulator (WhatsApp socket and control API); 0 picks a free one. */
  waSandboxPort: number;
  /** Where the sandbox simulator keeps its phones, contacts and linked devices across restarts. */
  waSandboxStateFile: string;
  logLevel: string;
  shutdownTimeoutMs: number;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>` (401 otherwise). */
  metricsToken: string | undefined;
  /** METRICS_PORT: when set, /metrics is served on a listener of its own on this port and not on PORT. */
  metricsPort: number | undefined;
}

export class ConfigError extends Error {}

/** Reads the configuration; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'configuration');
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}`);
  }
  const c = parsed.data;
  // The sandbox fakes WhatsApp and trusts the simulator's certificate root: never by accident in production.
  if (c.WA_SANDBOX && c.NODE_ENV === 'production' && !c.WA_SANDBOX_ALLOW_IN_PRODUCTION) {
    throw new ConfigError(
      'Invalid configuration: WA_SANDBOX must not be true when NODE_ENV=production (set WA_SANDBOX_ALLOW_IN_PRODUCTION=true if you really mean it)',
    );
  }
  if (c.WA_SANDBOX && c.WA_WEBSOCKET_URL) {
    throw new ConfigError('Invalid configuration: WA_WEBSOCKET_URL cannot be combined with WA_SANDBOX=true (the sandbox points sessions at its own simulator)');
  }
  if (c.METRICS_PORT !== undefined && c.METRICS_PORT === c.PORT) {
    throw new ConfigError(`Invalid configuration: METRICS_PORT must differ from PORT (both are ${c.PORT})`);
  }
  return {
    port: c.PORT,
    roles: c.BRIDGE_ROLES,
    publicUrl: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    mongodbUri: c.MONGODB_URI,
    redisUrl: c.REDIS_URL,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    adminKey: c.BRIDGE_ADMIN_KEY,
    encryptionKey: Buffer.from(c.BRIDGE_ENCRYPTION_KEY, 'base64'),
    instanceId: c.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    sessionLeaseMs: c.SESSION_LEASE_MS,
    maxSessionsPerInstance: c.MAX_SESSIONS_PER_INSTANCE,
    webhookTimeoutMs: c.WEBHOOK_TIMEOUT_MS,
    webhookRetrySchedule: c.WEBHOOK_RETRY_SCHEDULE,
    webhookAllowPrivateNetworks: c.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    mediaAllowPrivateNetworks: c.MEDIA_ALLOW_PRIVATE_NETWORKS,
    waWebSocketUrl: c.WA_WEBSOCKET_URL,
    waVersion: c.WA_VERSION,
    waHistorySync: c.WA_HISTORY_SYNC,
    decryptionTimeoutMs: c.WA_DECRYPTION_TIMEOUT,
    spoolDir: c.BRIDGE_SPOOL_DIR ?? join(homedir(), '.cache', 'whatsapp-bridge', 'spool'),
    waSandbox: c.WA_SANDBOX,
    waSandboxPort: c.WA_SANDBOX_PORT,
    waSandboxStateFile: c.WA_SANDBOX_STATE_FILE ?? join(homedir(), '.cache', 'whatsapp-bridge', 'sandbox-state.json'),
    logLevel: c.LOG_LEVEL,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    metricsToken: c.METRICS_TOKEN,
    metricsPort: c.METRICS_PORT,
  };
}
