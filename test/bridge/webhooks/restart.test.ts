import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteRedisKeys, startTestBridge, uniqueName, type TestBridge } from '../../support/stack.ts';
import { signatureVerifies, startReceiver, until, type Receiver } from './receiver.ts';
import { tenant } from './api.ts';

const dbName = uniqueName('whrestart');
const prefix = uniqueName('whrestart');
const env = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '1500ms',
  REDIS_KEY_PREFIX: prefix,
  // The second bridge must open the secrets the first one sealed.
  BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};
const open: TestBridge[] = [];
const receivers: Receiver[] = [];

async function bridgeOnSharedStores(overdueMs?: number): Promise<TestBridge> {
  const b = await startTestBridge({ label: 'whrestart', dbName, env, bridgeOptions: { webhooks: { sweepIntervalMs: 200, ...(overdueMs ? { overdueMs } : {}) } } });
  open.push(b);
  return b;
}

/** Deletes this file's Redis keys, as a Redis restart without persistence would. */
async function flushPrefix(): Promise<void> {
  await deleteRedisKeys(REDIS_URL, prefix);
}

afterAll(async () => {
  for (const b of open) await b.close().catch(() => undefined);
  const last = await bridgeOnSharedStores();
  await last.state.mongo.dropDatabase();
  await last.close();
  await flushPrefix();
  for (const r of receivers) await r.close();
});

function deliveriesOf(b: TestBridge, key: string, webhookId: string) {
  return b.request('GET', `/v1/webhooks/${webhookId}/deliveries`, { key }).then((res) => res.body.data as any[]);
}

async function failOnceThenAccept(): Promise<Receiver> {
  const r = await startReceiver((_req, n) => (n === 1 ? { status: 503 } : { status: 200 }));
  receivers.push(r);
  return r;
}

describe('durability across a restart', () => {
  it('a delivery waiting for its retry when the bridge closes is completed by a new bridge', async () => {
    const r = await failOnceThenAccept();
    const first = await bridgeOnSharedStores();
    const t = await tenant(first);
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const { event } = await t.record();
    await until(async () => (await t.deliveries(hook.id))[0]?.attemptCount === 1, 5_000, 'first attempt');
    await first.close();

    // Nobody runs the retry while no bridge is up.
    await new Promise((res) => setTimeout(res, 2_000));
    expect(r.received).toHaveLength(1);

    const second = await bridgeOnSharedStores();
    const [, retried] = await r.waitFor(2, 10_000);
    expect(retried.headers['webhook-id']).toBe(event.id);
    expect(signatureVerifies(hook.secret, retried)).toBe(true);
    await until(async () => (await deliveriesOf(second, t.key, hook.id))[0]?.status === 'succeeded', 5_000, 'succeeded after restart');
    const [delivery] = await deliveriesOf(second, t.key, hook.id);
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([503, 200]);
    expect(r.received).toHaveLength(2);
  });

  it('a delivery whose queued job was lost with Redis data is re-queued from MongoDB', async () => {
    const r = await failOnceThenAccept();
    const first = await bridgeOnSharedStores();
    const t = await tenant(first);
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    await t.record();
    await until(async () => (await t.deliveries(hook.id))[0]?.attemptCount === 1, 5_000, 'first attempt');
    await first.close();
    // A Redis restart without persistence: the delayed job is gone; MongoDB still says pending.
    await flushPrefix();

    const second = await bridgeOnSharedStores(500);
    await r.waitFor(2, 10_000);
    await until(async () => (await deliveriesOf(second, t.key, hook.id))[0]?.status === 'succeeded', 5_000, 'succeeded from MongoDB');
    expect(r.received).toHaveLength(2);
  });
});
