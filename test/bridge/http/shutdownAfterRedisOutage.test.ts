import { afterAll, describe, expect, it } from 'vitest';
import { privateRedis, type ControlledServer } from '../../support/services.ts';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';

const servers: ControlledServer[] = [];
const bridges: TestBridge[] = [];
afterAll(async () => {
  // close() again is a no-op for the bridge and removes the test's database and keys.
  for (const bridge of bridges) await bridge.close();
  for (const server of servers) await server.dispose();
});

/** A whole bridge (workers started) on a private Redis of its own, cleaned up after the file. */
async function bridgeOnPrivateRedis(): Promise<{ bridge: TestBridge; redis: ControlledServer }> {
  const redis = await privateRedis();
  servers.push(redis);
  const bridge = await startTestBridge({ label: 'shutredis', env: { REDIS_URL: redis.url } });
  bridges.push(bridge);
  return { bridge, redis };
}

/** How long close() took, or null when it had not finished after `boundMs`. */
async function timedClose(bridge: TestBridge, boundMs: number): Promise<number | null> {
  const started = Date.now();
  const closed = bridge.bridge.close().then(() => Date.now() - started);
  return await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), boundMs))]);
}

// A bridge with every worker running (session claim loop, webhook and retry-queue workers, RPC
// and update subscribers) must still shut down in bounded time when its Redis went away.
describe('shutdown after a Redis outage', () => {
  it('closes in bounded time after Redis was stopped and started again', async () => {
    const { bridge, redis } = await bridgeOnPrivateRedis();
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await timedClose(bridge, 15_000)).not.toBeNull();
  }, 40_000);

  it('closes in bounded time while Redis is still down', async () => {
    const { bridge, redis } = await bridgeOnPrivateRedis();
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await timedClose(bridge, 15_000)).not.toBeNull();
  }, 40_000);
});
