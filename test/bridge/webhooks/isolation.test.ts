import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { startReceiver, until, type Receiver } from './receiver.ts';
import { tenant } from './api.ts';

const EVENTS = 24;

let bridge: TestBridge;
let hanging: Receiver;
let healthy: Receiver;
beforeAll(async () => {
  hanging = await startReceiver(() => 'hang');
  healthy = await startReceiver();
  bridge = await startTestBridge({
    label: 'whisolation',
    // The hanging endpoint never answers within the test: every attempt to it runs the full timeout.
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_MS: '20000', WEBHOOK_RETRY_SCHEDULE: '1s' },
    // Few worker slots, so without the per-endpoint cap the hanging endpoint would take them all.
    bridgeOptions: { webhooks: { concurrency: 4, perEndpointInFlight: 2, closeGraceMs: 200 } },
  });
});
afterAll(async () => {
  // The engine first, so no queue key is written after the test stack removes them.
  await bridge?.bridge.webhooks.close();
  await bridge?.close();
  await hanging?.close();
  await healthy?.close();
});

describe('isolation between endpoints', () => {
  it("an endpoint hanging for the whole test leaves another endpoint's deliveries on time", async () => {
    const t = await tenant(bridge);
    await t.createWebhook({ url: hanging.url, events: ['message.received'] });
    const good = await t.createWebhook({ url: healthy.url, events: ['message.received'] });
    // The hanging endpoint gets its events first, so they are ahead in the queue.
    const recordedAt = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      const { event } = await t.record('message.received', 'main', { i });
      recordedAt.set(event.id, Date.now());
    }
    await healthy.waitFor(EVENTS, 15_000);
    const lags = healthy.received.map((req) => req.at - recordedAt.get(String(req.headers['webhook-id']))!);
    // "On time": seconds, where the hanging endpoint holds each attempt for 20 s.
    expect(Math.max(...lags)).toBeLessThan(5_000);
    await until(async () => (await t.deliveries(good.id, '?status=succeeded&limit=200')).length === EVENTS, 5_000, 'all healthy deliveries recorded');
    // The hanging endpoint never had more than its cap of attempts open at once.
    expect(hanging.received.length).toBeGreaterThan(0);
    expect(hanging.received.length).toBeLessThanOrEqual(2);
  });

  it('closing the engine does not wait for attempts that hang', async () => {
    const started = Date.now();
    await bridge.bridge.webhooks.close();
    // closeGraceMs (200 ms) for attempts in flight, then they are aborted.
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
