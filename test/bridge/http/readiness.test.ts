import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateRedis, type ControlledServer } from '../../support/services.ts';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';

let redis: ControlledServer;
let bridge: TestBridge;
beforeAll(async () => {
  redis = await privateRedis();
  // The whole bridge, workers included: their Redis connections go down and come back too.
  bridge = await startTestBridge({ label: 'ready', env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await bridge?.close();
  await redis?.dispose();
});

async function readyStatus(): Promise<number> {
  return (await bridge.request('GET', '/readyz')).status;
}

async function eventually(expected: number, timeoutMs = 15_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < until) {
    last = await readyStatus();
    if (last === expected) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

describe('/readyz', () => {
  it('is 200 with MongoDB and Redis up, 503 while Redis is stopped, 200 again after it is back', async () => {
    expect(await readyStatus()).toBe(200);
    await redis.stop();
    const down = await bridge.request('GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ error: { code: 'not_ready' }, checks: { redis: 'unreachable', mongodb: 'ok' } });
    const live = await bridge.request('GET', '/healthz');
    expect(live.status).toBe(200);
    await redis.start();
    expect(await eventually(200)).toBe(200);
  });
});
