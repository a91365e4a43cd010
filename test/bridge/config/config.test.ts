import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDurationList } from '../../../bridge/src/config.ts';
import { testEnv } from '../../support/stack.ts';

const main = fileURLToPath(new URL('../../../bridge/src/main.ts', import.meta.url));

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ BRIDGE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(config.port).toBe(3000);
    expect(config.mongodbUri).toBe('mongodb://127.0.0.1:27017/whatsapp-bridge');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.webhookTimeoutMs).toBe(15_000);
    expect(config.webhookRetrySchedule).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(config.webhookAllowPrivateNetworks).toBe(false);
    expect(config.waSandbox).toBe(false);
    expect(config.encryptionKey).toHaveLength(32);
  });

  it.each([
    [{ BRIDGE_ENCRYPTION_KEY: undefined }, 'BRIDGE_ENCRYPTION_KEY'],
    [{ BRIDGE_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }, 'BRIDGE_ENCRYPTION_KEY'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI'],
    [{ WEBHOOK_RETRY_SCHEDULE: '5s,often' }, 'WEBHOOK_RETRY_SCHEDULE'],
    [{ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'maybe' }, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'],
    [{ WA_WEBSOCKET_URL: 'http://not-a-socket' }, 'WA_WEBSOCKET_URL'],
  ])('rejects %o naming %s', (override, variable) => {
    expect(() => loadConfig(testEnv(override))).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('parses duration lists in ms, s, m and h', () => {
    expect(parseDurationList('250ms,1s,2m,1h')).toEqual([250, 1_000, 120_000, 3_600_000]);
  });

  it('the bridge refuses to start without an encryption key, with one clear line', () => {
    const env = { ...testEnv(), BRIDGE_ENCRYPTION_KEY: '' };
    const result = spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: BRIDGE_ENCRYPTION_KEY /);
  });
});
