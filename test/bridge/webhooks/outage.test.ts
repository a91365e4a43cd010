import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { privateRedis, type ControlledServer } from '../../support/services.ts';
import { signatureVerifies, startReceiver, type Receiver } from './receiver.ts';
import { tenant } from './api.ts';

let redis: ControlledServer;
let bridge: TestBridge;
let receiver: Receiver;
beforeAll(async () => {
  redis = await privateRedis();
  receiver = await startReceiver();
  bridge = await startTestBridge({
    label: 'whoutage',
    env: { REDIS_URL: redis.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
    bridgeOptions: { webhooks: { sweepIntervalMs: 200, dispatchGraceMs: 300, overdueMs: 500 } },
  });
});
afterAll(async () => {
  // The engine first, so no queue key is written after the test stack removes them.
  await bridge?.bridge.webhooks.close();
  await bridge?.close();
  await receiver?.close();
  await redis?.dispose();
});

describe('Redis outage during fan-out', () => {
  it('an event recorded while Redis is down is stored at once and delivered once Redis is back', async () => {
    const t = await tenant(bridge);
    const hook = await t.createWebhook({ url: receiver.url, events: ['message.received'] });
    await redis.stop();

    const started = Date.now();
    const { event } = await t.record('message.received', 'main', { text: 'during the outage' });
    // Recording does not hang on the queue: the event is in MongoDB, the fan-out is left to the sweep.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await bridge.state.models.Event.countDocuments({ _id: event.id })).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(0);

    await redis.start(); // empty: whatever was queued before is gone too
    const [req] = await receiver.waitFor(1, 20_000);
    expect(req.json).toMatchObject({ id: event.id, data: { text: 'during the outage' } });
    expect(signatureVerifies(hook.secret, req)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.received).toHaveLength(1);
  });
});
