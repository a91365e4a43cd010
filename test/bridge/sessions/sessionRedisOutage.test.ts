import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateRedis, type ControlledServer } from '../../support/services.ts';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';

const LEASE_MS = 1_500;

describe('an owner that cannot reach Redis', () => {
  let redis: ControlledServer;
  let t: TestBridge;
  let key: string;
  let redisDown = false;

  beforeAll(async () => {
    redis = await privateRedis();
    t = await startTestBridge({ label: 'redisout', env: { REDIS_URL: redis.url, SESSION_LEASE_MS: String(LEASE_MS) } });
    key = (await t.createOrganization()).apiKey;
  });
  afterAll(async () => {
    if (redisDown) await redis.start().catch(() => undefined);
    await t?.close();
    await redis.dispose();
  });

  it('lets its sessions go before their leases can expire, and takes them back when Redis returns', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'cut-off' } });
    await waitForSession(t, key, 'cut-off', hasStatus('qr_ready'));
    t.whatsapp.latest('cut-off')!.scanQr();
    await waitForSession(t, key, 'cut-off', hasStatus('connected'));
    const socket = t.whatsapp.latest('cut-off')!;

    const stoppedAt = Date.now();
    await redis.stop();
    redisDown = true;
    await until(() => socket.ended, LEASE_MS + 1_000, 'socket dropped');
    // Another instance could take the session once the lease expires; by then this one is gone.
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS);
    expect(t.bridge.sessions.localSessions()).toEqual([]);
    await until(() => socket.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');

    await redis.start();
    redisDown = false;
    const back = await t.whatsapp.waitFor('cut-off', (s) => s !== socket && s.state === 'open', 15_000);
    expect(back.options.auth.creds.registered).toBe(true);
    await waitForSession(t, key, 'cut-off', hasStatus('connected'));
  });
});
