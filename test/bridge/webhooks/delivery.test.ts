import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { freePort } from '../../support/services.ts';
import { expectedSignature, signatureVerifies, startReceiver, until, type Receiver } from './receiver.ts';
import { tenant } from './api.ts';

const SCHEDULE = [200, 400, 800];
const TIMEOUT_MS = 500;
/** Scheduling slack on a busy 2-core machine: jitter (+10 %) plus queue and event-loop latency. */
const SLACK_MS = 700;

let bridge: TestBridge;
const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  bridge = await startTestBridge({
    label: 'whdelivery',
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_SCHEDULE: '200ms,400ms,800ms', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
    bridgeOptions: { webhooks: { sweepIntervalMs: 200, dispatchGraceMs: 300 } },
  });
});
afterAll(async () => {
  for (const r of receivers) await r.close();
  // The engine first, so no queue key is written after the test stack removes them.
  await bridge?.bridge.webhooks.close();
  await bridge?.close();
});

describe('signed delivery', () => {
  it('POSTs {id, type, timestamp, session, data} with Standard Webhooks headers that an independent HMAC verifies', async () => {
    const t = await tenant(bridge);
    const r = await receiver();
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const before = Math.floor(Date.now() / 1000);
    const { event } = await t.record('message.received', 'main', { text: 'hi', from: '123@s.whatsapp.net' });
    const [req] = await r.waitFor(1);

    expect(req.json).toEqual({ id: event.id, type: 'message.received', timestamp: event.timestamp.toISOString(), session: 'main', data: { text: 'hi', from: '123@s.whatsapp.net' } });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toBe(event.id);
    const ts = Number(req.headers['webhook-timestamp']);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(req.headers['webhook-signature']).toBe(expectedSignature(hook.secret, event.id, String(ts), req.body));
    expect(signatureVerifies(hook.secret, req)).toBe(true);
    // A different secret, or a tampered body, does not verify.
    const other = await t.createWebhook({ url: r.url, events: ['session.status'] });
    expect(signatureVerifies(other.secret, req)).toBe(false);
    expect(signatureVerifies(hook.secret, { ...req, body: req.body.replace('hi', 'ho') })).toBe(false);

    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'succeeded', 5_000, 'delivery succeeded');
    const [delivery] = await t.deliveries(hook.id);
    expect(delivery).toMatchObject({ eventId: event.id, eventType: 'message.received', status: 'succeeded', attemptCount: 1, nextAttemptAt: null });
    expect(delivery.attempts).toEqual([{ at: expect.any(String), statusCode: 200, durationMs: expect.any(Number), error: null, response: 'ok' }]);
  });

  it('delivers only the events and sessions a webhook asked for', async () => {
    const t = await tenant(bridge);
    const sentOnly = await receiver();
    const salesOnly = await receiver();
    await t.createWebhook({ url: sentOnly.url, events: ['message.sent'] });
    await t.createWebhook({ url: salesOnly.url, events: ['message.received', 'session.status'], sessions: ['sales'] });
    await t.record('message.received', 'main');
    await t.record('message.received', 'sales', { text: 'for sales' });
    await t.record('message.sent', 'main', { text: 'sent' });
    await salesOnly.waitFor(1);
    await sentOnly.waitFor(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(salesOnly.received.map((x) => x.json.data.text)).toEqual(['for sales']);
    expect(sentOnly.received.map((x) => x.json.type)).toEqual(['message.sent']);
  });

  it('one event fanned out twice (listener and sweep, or two instances) is delivered once per webhook', async () => {
    const t = await tenant(bridge);
    const r = await receiver();
    const hook = await t.createWebhook({ url: r.url, events: ['message.updated'] });
    const first = await bridge.bridge.events.record({ organizationId: t.org.id, type: 'message.updated', session: 'main', data: { status: 'read' }, dedupeKey: 'upd:1' });
    await bridge.bridge.events.record({ organizationId: t.org.id, type: 'message.updated', session: 'main', data: { status: 'read' }, dedupeKey: 'upd:1' });
    await r.waitFor(1);
    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'succeeded', 3_000, 'delivered');
    // The sweep sees the event undispatched again and fans it out a second time.
    await bridge.state.models.Event.updateOne({ _id: first.event.id }, { $set: { dispatchedAt: null } });
    await until(async () => (await bridge.state.models.Event.findById(first.event.id).lean())?.dispatchedAt != null, 3_000, 'swept again');
    await new Promise((res) => setTimeout(res, 500));
    expect(r.received).toHaveLength(1);
    expect(await bridge.state.models.Delivery.countDocuments({ webhookId: hook.id })).toBe(1);
  });

  it('an event whose fan-out never ran (crash, Redis down) is delivered by the dispatcher sweep', async () => {
    const t = await tenant(bridge);
    const r = await receiver();
    await t.createWebhook({ url: r.url, events: ['session.status'] });
    const id = 'evt_00000000000100000000ab';
    await bridge.state.models.Event.collection.insertOne({
      _id: id as any,
      organizationId: t.org.id,
      type: 'session.status',
      session: 'main',
      data: { status: 'connected' },
      timestamp: new Date(Date.now() - 10_000),
      dedupeKey: id,
      dispatchedAt: null,
    });
    const [req] = await r.waitFor(1, 5_000);
    expect(req.json).toMatchObject({ id, type: 'session.status', data: { status: 'connected' } });
    await until(async () => (await bridge.state.models.Event.findById(id).lean())?.dispatchedAt != null, 3_000, 'event marked dispatched');
  });
});

describe('retries', () => {
  it('retries 5xx, 4xx and timeouts with the same webhook-id on the configured schedule, then succeeds', async () => {
    const t = await tenant(bridge);
    const r = await receiver((_req, n) => (n === 1 ? { status: 500 } : n === 2 ? { status: 404 } : n === 3 ? 'hang' : { status: 204 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const { event } = await t.record();
    const reqs = await r.waitFor(4, 10_000);
    expect(new Set(reqs.map((x) => x.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(new Set(reqs.map((x) => x.body)).size).toBe(1);
    for (const req of reqs) expect(signatureVerifies(hook.secret, req)).toBe(true);
    const gaps = [reqs[1].at - reqs[0].at, reqs[2].at - reqs[1].at, reqs[3].at - reqs[2].at];
    // Attempt 3 hung until WEBHOOK_TIMEOUT_MS before its wait started.
    const minimum = [SCHEDULE[0], SCHEDULE[1], TIMEOUT_MS + SCHEDULE[2]];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(minimum[i] - 5);
      expect(gap).toBeLessThan(minimum[i] * 1.1 + SLACK_MS);
    });

    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'succeeded', 3_000, 'delivery succeeded');
    const [delivery] = await t.deliveries(hook.id);
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([500, 404, null, 204]);
    expect(delivery.attempts[2].error).toMatch(/no response within 500 ms/);
    expect(delivery.attempts[2].durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  it('retries a refused connection, and delivers once the endpoint is up', async () => {
    const t = await tenant(bridge);
    const port = await freePort();
    const hook = await t.createWebhook({ url: `http://127.0.0.1:${port}/hook`, events: ['message.received'] });
    await t.record();
    await until(async () => (await t.deliveries(hook.id))[0]?.attemptCount >= 1, 5_000, 'first attempt');
    const [pending] = await t.deliveries(hook.id);
    expect(pending.status).toBe('pending');
    expect(pending.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/connection refused/) });
    expect(Date.parse(pending.nextAttemptAt)).toBeGreaterThan(Date.parse(pending.attempts[0].at));
    const r = await receiver(undefined, port);
    await r.waitFor(1, 5_000);
    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'succeeded', 3_000, 'delivery succeeded');
  });

  it('marks the delivery failed after the last scheduled attempt', async () => {
    const t = await tenant(bridge);
    const r = await receiver(() => ({ status: 503, body: 'down for maintenance' }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    await t.record();
    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'failed', 10_000, 'delivery failed');
    await new Promise((res) => setTimeout(res, SCHEDULE[2] * 1.5));
    expect(r.received).toHaveLength(SCHEDULE.length + 1);
    const [delivery] = await t.deliveries(hook.id, '?status=failed');
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 4, nextAttemptAt: null, lastError: 'HTTP 503' });
    expect(delivery.attempts.every((a: any) => a.statusCode === 503 && a.response === 'down for maintenance')).toBe(true);
    // Failing is not yet five days: the endpoint stays enabled.
    expect((await t.webhook(hook.id)).enabled).toBe(true);
    expect((await t.webhook(hook.id)).failingSince).toEqual(expect.any(String));
  });

  it('honours Retry-After over a shorter scheduled wait', async () => {
    const t = await tenant(bridge);
    const r = await receiver((_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    await t.createWebhook({ url: r.url, events: ['message.received'] });
    await t.record();
    const [first, second] = await r.waitFor(2, 6_000);
    expect(second.at - first.at).toBeGreaterThanOrEqual(2_000 - 5);
    expect(second.at - first.at).toBeLessThan(2_000 + SLACK_MS);
  });

  it('410 Gone disables the endpoint: nothing more is sent until it is re-enabled with PATCH', async () => {
    const t = await tenant(bridge);
    const r = await receiver(() => ({ status: 410 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    await t.record();
    await until(async () => (await t.webhook(hook.id)).enabled === false, 5_000, 'endpoint disabled');
    expect(await t.webhook(hook.id)).toMatchObject({ enabled: false, disabledReason: 'gone', disabledAt: expect.any(String) });
    const [delivery] = await t.deliveries(hook.id);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 1 });

    r.behave(() => ({ status: 200 }));
    await t.record('message.received', 'main', { text: 'while disabled' });
    const test = await bridge.request('POST', `/v1/webhooks/${hook.id}/test`, { key: t.key });
    expect(test.status).toBe(409);
    await new Promise((res) => setTimeout(res, 800));
    expect(r.received).toHaveLength(1);

    const enable = await bridge.request('PATCH', `/v1/webhooks/${hook.id}`, { key: t.key, body: { enabled: true } });
    expect(enable.status).toBe(200);
    expect(enable.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    await t.record('message.received', 'main', { text: 'after re-enabling' });
    const reqs = await r.waitFor(2);
    expect(reqs[1].json.data.text).toBe('after re-enabling');
  });

  it('an endpoint failing without a success for 5 days is disabled', async () => {
    const t = await tenant(bridge);
    const r = await receiver(() => ({ status: 500 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    await bridge.state.models.Webhook.updateOne({ _id: hook.id }, { $set: { failingSince: new Date(Date.now() - 5 * 24 * 3_600_000 - 60_000) } });
    await t.record();
    await until(async () => (await t.webhook(hook.id)).enabled === false, 5_000, 'endpoint disabled');
    expect((await t.webhook(hook.id)).disabledReason).toBe('failing');
    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'failed', 3_000, 'delivery failed');
    await new Promise((res) => setTimeout(res, 600));
    expect(r.received).toHaveLength(1);
  });

  it('a success clears the failing mark', async () => {
    const t = await tenant(bridge);
    const r = await receiver((_req, n) => (n === 1 ? { status: 500 } : { status: 200 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    await t.record();
    await until(async () => (await t.webhook(hook.id)).failingSince !== null, 5_000, 'failing mark');
    await until(async () => (await t.webhook(hook.id)).lastSuccessAt !== null, 5_000, 'success');
    expect((await t.webhook(hook.id)).failingSince).toBeNull();
  });
});

describe('secret rotation', () => {
  it('after rotate-secret both signatures are sent, one per secret, and each verifies', async () => {
    const t = await tenant(bridge);
    const r = await receiver();
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const rotated = await bridge.request('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key });
    expect(rotated.status).toBe(200);
    const newSecret: string = rotated.body.secret;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(hook.secret);
    const expiresIn = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(23.9 * 3_600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3_600_000);

    await t.record();
    const [req] = await r.waitFor(1);
    const signatures = String(req.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    const id = String(req.headers['webhook-id']);
    const ts = String(req.headers['webhook-timestamp']);
    expect(signatures).toEqual([expectedSignature(newSecret, id, ts, req.body), expectedSignature(hook.secret, id, ts, req.body)]);
  });

  it('once the previous secret has expired only the current one signs', async () => {
    const t = await tenant(bridge);
    const r = await receiver();
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const rotated = await bridge.request('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key });
    await bridge.state.models.Webhook.updateOne({ _id: hook.id }, { $set: { 'previousSecret.expiresAt': new Date(Date.now() - 1_000) } });
    await t.record();
    const [req] = await r.waitFor(1);
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(signatureVerifies(rotated.body.secret, req)).toBe(true);
    expect(signatureVerifies(hook.secret, req)).toBe(false);
  });
});

describe('test event, attempt log and replay', () => {
  it('POST /test sends a signed webhook.test event to that webhook only', async () => {
    const t = await tenant(bridge);
    const r = await receiver();
    const other = await receiver();
    const hook = await t.createWebhook({ url: r.url, events: ['session.status'] });
    await t.createWebhook({ url: other.url, events: ['session.status'] });
    const res = await bridge.request('POST', `/v1/webhooks/${hook.id}/test`, { key: t.key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventId: expect.stringMatching(/^evt_/), deliveryId: expect.stringMatching(/^dlv_/) });
    const [req] = await r.waitFor(1);
    expect(req.json).toMatchObject({ id: res.body.eventId, type: 'webhook.test', session: null, data: { webhookId: hook.id } });
    expect(signatureVerifies(hook.secret, req)).toBe(true);
    await new Promise((res2) => setTimeout(res2, 600));
    expect(other.received).toHaveLength(0);
  });

  it('lists deliveries newest first with a status filter and cursor paging', async () => {
    const t = await tenant(bridge);
    const r = await receiver((req) => (req.json.data.n === 2 ? { status: 400 } : { status: 200 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await t.record('message.received', 'main', { n })).event.id);
    await until(async () => (await t.deliveries(hook.id, '?status=succeeded')).length === 2, 5_000, 'two succeeded');

    const all = await t.deliveries(hook.id);
    expect(all.map((d) => d.eventId)).toEqual([...ids].reverse());
    const pending = await t.deliveries(hook.id, '?status=pending');
    expect(pending.map((d) => d.eventId)).toEqual([ids[1]]);
    expect(Date.parse(pending[0].nextAttemptAt)).toBeGreaterThan(0);

    const page1 = await bridge.request('GET', `/v1/webhooks/${hook.id}/deliveries?limit=2`, { key: t.key });
    expect(page1.body.pagination).toEqual({ limit: 2, nextCursor: expect.stringMatching(/^dlv_/), hasMore: true });
    const page2 = await bridge.request('GET', `/v1/webhooks/${hook.id}/deliveries?limit=2&cursor=${page1.body.pagination.nextCursor}`, { key: t.key });
    expect(page2.body.pagination).toEqual({ limit: 2, nextCursor: null, hasMore: false });
    expect([...page1.body.data, ...page2.body.data].map((d: any) => d.eventId)).toEqual([...ids].reverse());

    for (const query of ['?status=done', '?limit=0', '?limit=201', '?cursor=nope', '?extra=1']) {
      const bad = await bridge.request('GET', `/v1/webhooks/${hook.id}/deliveries${query}`, { key: t.key });
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
  });

  it('retry resends one delivery with the same webhook-id; a pending one is 409', async () => {
    const t = await tenant(bridge);
    const r = await receiver((_req, n) => (n === 1 ? { status: 200 } : n === 2 ? { status: 500 } : { status: 200 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const { event } = await t.record();
    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'succeeded', 5_000, 'delivered');
    const [delivery] = await t.deliveries(hook.id);

    const retry = await bridge.request('POST', `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/retry`, { key: t.key });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ id: delivery.id, status: 'pending' });
    const again = await bridge.request('POST', `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/retry`, { key: t.key });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('delivery_pending');

    const reqs = await r.waitFor(3, 5_000);
    expect(reqs.map((x) => x.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    await until(async () => (await t.deliveries(hook.id))[0]?.status === 'succeeded', 3_000, 'replay delivered');
    expect((await t.deliveries(hook.id))[0].attempts.map((a: any) => a.statusCode)).toEqual([200, 500, 200]);

    const missing = await bridge.request('POST', `/v1/webhooks/${hook.id}/deliveries/dlv_00000000000000000000aa/retry`, { key: t.key });
    expect(missing.status).toBe(404);
  });

  it('recover replays every failed delivery since a time, and only those', async () => {
    const t = await tenant(bridge);
    const r = await receiver(() => ({ status: 500 }));
    const hook = await t.createWebhook({ url: r.url, events: ['message.received'] });
    const old = await t.record('message.received', 'main', { n: 'old' });
    await until(async () => (await t.deliveries(hook.id, '?status=failed')).length === 1, 8_000, 'first failed');
    await new Promise((res) => setTimeout(res, 50));
    const since = new Date().toISOString();
    await t.record('message.received', 'main', { n: 'a' });
    await t.record('message.received', 'main', { n: 'b' });
    await until(async () => (await t.deliveries(hook.id, '?status=failed')).length === 3, 8_000, 'all failed');

    r.behave(() => ({ status: 200 }));
    const seenBefore = r.received.length;
    const recover = await bridge.request('POST', `/v1/webhooks/${hook.id}/recover`, { key: t.key, body: { since } });
    expect(recover.status).toBe(202);
    expect(recover.body).toEqual({ replayed: 2 });
    await until(async () => (await t.deliveries(hook.id, '?status=succeeded')).length === 2, 5_000, 'replays delivered');
    const replayed = r.received.slice(seenBefore).map((x) => x.json.data.n).sort();
    expect(replayed).toEqual(['a', 'b']);
    expect((await t.deliveries(hook.id, '?status=failed')).map((d) => d.eventId)).toEqual([old.event.id]);

    const bad = await bridge.request('POST', `/v1/webhooks/${hook.id}/recover`, { key: t.key, body: { since: 'yesterday' } });
    expect(bad.status).toBe(400);
  });
});

describe('metrics', () => {
  it('exposes deliveries by outcome, the attempt latency histogram and the queue depth', async () => {
    const res = await fetch(`${bridge.url}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/wab_webhook_deliveries_total\{outcome="succeeded"\} [1-9]/);
    expect(text).toMatch(/wab_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(text).toMatch(/wab_webhook_attempt_duration_seconds_bucket\{le="0\.1",outcome="success"\} [1-9]/);
    expect(text).toMatch(/wab_webhook_attempts_total\{outcome="timeout"\} [1-9]/);
    expect(text).toMatch(/wab_webhook_queue_jobs\{state="delayed"\} \d+/);
    expect(text).toMatch(/wab_webhook_queue_jobs\{state="waiting"\} \d+/);
  });
});
