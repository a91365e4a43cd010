import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestBridge, type TestBridge } from '../../support/stack.ts';
import type { Resolver } from '../../../bridge/src/infra/addressGuard.ts';
import { tenant } from './api.ts';

/** A DNS stand-in: names → addresses (a missing name does not resolve). */
const dns: Record<string, string[]> = {
  'public.example': ['93.184.215.14'],
  'internal.example': ['10.0.0.5'],
  'loopback.example': ['127.0.0.1'],
  'mixed.example': ['93.184.215.14', '192.168.1.10'],
  'metadata.example': ['169.254.169.254'],
  'v6loop.example': ['::1'],
};
const resolver: Resolver = async (host) => {
  const addresses = dns[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let bridge: TestBridge;
beforeAll(async () => {
  // The SSRF guard is on (WEBHOOK_ALLOW_PRIVATE_NETWORKS unset).
  bridge = await startTestBridge({ label: 'whregistry', bridgeOptions: { webhooks: { resolver } } });
});
afterAll(async () => {
  // The engine first, so no queue key is written after the test stack removes them.
  await bridge?.bridge.webhooks.close();
  await bridge?.close();
});

describe('webhook registry', () => {
  it('creates a webhook (201) with a whsec_ secret shown only on creation', async () => {
    const t = await tenant(bridge);
    const res = await bridge.request('POST', '/v1/webhooks', {
      key: t.key,
      body: { url: 'https://public.example/hooks/wa', events: ['message.received', 'message.received', 'session.status'], sessions: ['main'], description: 'n8n' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^whk_[0-9a-f]{22}$/),
      url: 'https://public.example/hooks/wa',
      events: ['message.received', 'session.status'],
      sessions: ['main'],
      description: 'n8n',
      enabled: true,
      disabledReason: null,
      createdAt: expect.any(String),
    });
    const secret: string = res.body.secret;
    expect(secret).toMatch(/^whsec_/);
    const keyBytes = Buffer.from(secret.slice(6), 'base64');
    expect(keyBytes.length).toBeGreaterThanOrEqual(24);
    expect(keyBytes.length).toBeLessThanOrEqual(32);

    const one = await bridge.request('GET', `/v1/webhooks/${res.body.id}`, { key: t.key });
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('secret');
    expect(JSON.stringify(one.body)).not.toContain(secret.slice(6));
    const list = await bridge.request('GET', '/v1/webhooks', { key: t.key });
    expect(list.body.data.map((w: any) => w.id)).toEqual([res.body.id]);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(6));
  });

  it('stores the secret encrypted, bound to the webhook id', async () => {
    const t = await tenant(bridge);
    const hook = await t.createWebhook({ url: 'https://public.example/a', events: ['message.sent'] });
    const docs = await bridge.state.mongo.db!.collection('webhooks').find({}).toArray();
    const dump = JSON.stringify(docs);
    expect(dump).not.toContain(hook.secret);
    expect(dump).not.toContain(hook.secret.slice(6));
    const stored = docs.find((d) => d._id === (hook.id as unknown))!;
    expect(bridge.state.secrets.open(stored.secret, hook.id).toString()).toBe(hook.secret);
    expect(() => bridge.state.secrets.open(stored.secret, 'whk_00000000000000000000aa')).toThrow();
  });

  it('updates, rotates and deletes', async () => {
    const t = await tenant(bridge);
    const hook = await t.createWebhook({ url: 'https://public.example/a', events: ['message.sent'] });
    const patched = await bridge.request('PATCH', `/v1/webhooks/${hook.id}`, {
      key: t.key,
      body: { events: ['message.updated'], sessions: ['a', 'b'], url: 'https://public.example/b', description: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['message.updated'], sessions: ['a', 'b'], url: 'https://public.example/b', description: null });
    const allSessions = await bridge.request('PATCH', `/v1/webhooks/${hook.id}`, { key: t.key, body: { sessions: null } });
    expect(allSessions.body.sessions).toBeNull();
    const off = await bridge.request('PATCH', `/v1/webhooks/${hook.id}`, { key: t.key, body: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'manual' });

    const rotated = await bridge.request('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);

    expect((await bridge.request('DELETE', `/v1/webhooks/${hook.id}`, { key: t.key })).status).toBe(204);
    expect((await bridge.request('GET', `/v1/webhooks/${hook.id}`, { key: t.key })).status).toBe(404);
    expect((await bridge.request('DELETE', `/v1/webhooks/${hook.id}`, { key: t.key })).status).toBe(404);
  });

  it('is scoped to the organization: another tenant sees 404, the admin key 403, no key 401', async () => {
    const owner = await tenant(bridge, 'owner');
    const stranger = await tenant(bridge, 'stranger');
    const hook = await owner.createWebhook({ url: 'https://public.example/a', events: ['message.sent'] });
    const calls: Array<[string, string, unknown?]> = [
      ['GET', `/v1/webhooks/${hook.id}`],
      ['PATCH', `/v1/webhooks/${hook.id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`],
      ['POST', `/v1/webhooks/${hook.id}/test`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
      ['POST', `/v1/webhooks/${hook.id}/recover`, { since: new Date().toISOString() }],
    ];
    for (const [method, path, body] of calls) {
      const res = await bridge.request(method, path, { key: stranger.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('webhook_not_found');
    }
    expect((await bridge.request('GET', '/v1/webhooks', { key: stranger.key })).body.data).toEqual([]);
    expect((await bridge.request('GET', '/v1/webhooks', { key: ADMIN_KEY })).status).toBe(403);
    expect((await bridge.request('GET', '/v1/webhooks')).status).toBe(401);
    expect(await owner.webhook(hook.id)).toMatchObject({ enabled: true });
  });

  it('answers 400 validation_failed for bad input and 404 for malformed ids', async () => {
    const t = await tenant(bridge);
    const bad: unknown[] = [
      {},
      { url: 'https://public.example/a' },
      { url: 'ftp://public.example/a', events: ['message.sent'] },
      { url: 'not a url', events: ['message.sent'] },
      { url: 'https://user:pass@public.example/a', events: ['message.sent'] },
      { url: 'https://public.example/\u0000', events: ['message.sent'] },
      { url: 'https://public.example/a', events: [] },
      { url: 'https://public.example/a', events: ['message.exploded'] },
      { url: 'https://public.example/a', events: 'message.sent' },
      { url: 'https://public.example/a', events: ['message.sent'], sessions: ['Not A Name'] },
      { url: 'https://public.example/a', events: ['message.sent'], sessions: [] },
      { url: 'https://public.example/a', events: ['message.sent'], description: 'nul\u0000' },
      { url: 'https://public.example/a', events: ['message.sent'], secret: 'whsec_mine' },
      { url: `https://public.example/${'a'.repeat(2100)}`, events: ['message.sent'] },
    ];
    for (const body of bad) {
      const res = await bridge.request('POST', '/v1/webhooks', { key: t.key, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error).toEqual(expect.objectContaining({ code: 'validation_failed', message: expect.any(String) }));
    }
    const notJson = await bridge.request('POST', '/v1/webhooks', { key: t.key, body: '{"url":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const hook = await t.createWebhook({ url: 'https://public.example/a', events: ['message.sent'] });
    expect((await bridge.request('PATCH', `/v1/webhooks/${hook.id}`, { key: t.key, body: {} })).status).toBe(400);
    expect((await bridge.request('PATCH', `/v1/webhooks/${hook.id}`, { key: t.key, body: { enabled: 'yes' } })).status).toBe(400);
    for (const path of ['/v1/webhooks/nope', '/v1/webhooks/whk_zz/deliveries', `/v1/webhooks/${hook.id}/deliveries/nope/retry`]) {
      const res = await bridge.request(path.endsWith('retry') ? 'POST' : 'GET', path, { key: t.key });
      expect(res.status, path).toBe(404);
    }
  });
});

describe('SSRF guard at registration (WEBHOOK_ALLOW_PRIVATE_NETWORKS off)', () => {
  const refused = [
    'http://127.0.0.1:8080/hook',
    'http://10.1.2.3/hook',
    'http://192.168.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:3000/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
    'http://2130706433/hook',
    'http://localhost:5678/webhook',
    'http://api.localhost/webhook',
    'http://loopback.example/hook',
    'http://internal.example/hook',
    'http://mixed.example/hook',
    'http://metadata.example/hook',
    'http://v6loop.example/hook',
  ];
  it.each(refused)('refuses %s with 422 webhook_url_not_allowed', async (url) => {
    const t = await tenant(bridge);
    const res = await bridge.request('POST', '/v1/webhooks', { key: t.key, body: { url, events: ['message.received'] } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('webhook_url_not_allowed');
    expect(res.body.error.message).toMatch(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    expect(await bridge.state.models.Webhook.countDocuments({ organizationId: t.org.id })).toBe(0);
  });

  it('refuses a host that does not resolve with 422 webhook_url_unresolvable', async () => {
    const t = await tenant(bridge);
    const res = await bridge.request('POST', '/v1/webhooks', { key: t.key, body: { url: 'https://nowhere.example/a', events: ['message.received'] } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('webhook_url_unresolvable');
  });

  it('accepts public addresses, and checks a changed URL again on PATCH', async () => {
    const t = await tenant(bridge);
    const literal = await t.createWebhook({ url: 'http://93.184.215.14/hook', events: ['message.received'] });
    const named = await t.createWebhook({ url: 'https://public.example/hook', events: ['message.received'] });
    expect(literal.url).toBe('http://93.184.215.14/hook');
    const patch = await bridge.request('PATCH', `/v1/webhooks/${named.id}`, { key: t.key, body: { url: 'http://10.0.0.1/x' } });
    expect(patch.status).toBe(422);
    expect((await t.webhook(named.id)).url).toBe('https://public.example/hook');
  });
});
