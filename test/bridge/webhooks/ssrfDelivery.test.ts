import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import type { Resolver } from '../../../bridge/src/infra/addressGuard.ts';
import { startReceiver, until, type Receiver } from './receiver.ts';
import { tenant } from './api.ts';

/** DNS rebinding: the first answer is public (registration passes), every later one is loopback. */
let rebindLookups = 0;
const resolver: Resolver = async (host) => {
  if (host === 'rebind.example') {
    rebindLookups += 1;
    return [{ address: rebindLookups === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
  }
  if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

let bridge: TestBridge;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  // Guard on (WEBHOOK_ALLOW_PRIVATE_NETWORKS unset); a long schedule shows a refusal is final, not retried.
  bridge = await startTestBridge({ label: 'whssrf', env: { WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms' }, bridgeOptions: { webhooks: { resolver } } });
});
afterAll(async () => {
  // The engine first, so no queue key is written after the test stack removes them.
  await bridge?.bridge.webhooks.close();
  await bridge?.close();
  await receiver?.close();
});

async function expectRefusedDelivery(t: Awaited<ReturnType<typeof tenant>>, webhookId: string): Promise<any> {
  await t.record();
  await until(async () => (await t.deliveries(webhookId))[0]?.status === 'failed', 5_000, 'delivery refused');
  const [delivery] = await t.deliveries(webhookId);
  expect(delivery.attempts).toHaveLength(1);
  expect(delivery.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/not a public address/) });
  return delivery;
}

describe('SSRF guard at delivery time', () => {
  it('refuses a name that resolved to a public address at registration and to loopback at delivery (DNS rebinding)', async () => {
    const t = await tenant(bridge);
    const hook = await t.createWebhook({ url: `http://rebind.example:${receiver.port}/hook`, events: ['message.received'] });
    const delivery = await expectRefusedDelivery(t, hook.id);
    expect(delivery.attempts[0].error).toMatch(/rebind\.example resolves to 127\.0\.0\.1/);
    expect(rebindLookups).toBeGreaterThanOrEqual(2);
    expect(receiver.received).toHaveLength(0);
  });

  it.each([
    ['loopback', () => `http://127.0.0.1:${receiver.port}/hook`],
    ['a name resolving to loopback', () => `http://localhost:${receiver.port}/hook`],
    ['10.x', () => 'http://10.255.255.1/hook'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses %s for a webhook stored before the guard was turned on', async (_label, url) => {
    const t = await tenant(bridge);
    const hook = await t.createWebhook({ url: 'http://93.184.215.14/hook', events: ['message.received'] });
    // As if registered while WEBHOOK_ALLOW_PRIVATE_NETWORKS was true.
    await bridge.state.models.Webhook.updateOne({ _id: hook.id }, { $set: { url: url() } });
    const started = Date.now();
    await expectRefusedDelivery(t, hook.id);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(receiver.received).toHaveLength(0);
  });
});
