import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestBridge, type TestBridge } from '../../support/stack.ts';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ label: 'admin' });
});
afterAll(async () => bridge?.close());

describe('organizations and API keys', () => {
  it('creates an organization with a wab_ key that is stored only as a SHA-256 hash', async () => {
    const res = await bridge.request('POST', '/v1/admin/organizations', { key: ADMIN_KEY, body: { name: 'Acme' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), name: 'Acme', apiKey: expect.stringMatching(/^wab_[A-Za-z0-9_-]{40,}$/) });
    const apiKey: string = res.body.apiKey;

    const docs = await bridge.state.mongo.db!.collection('api_keys').find({}).toArray();
    const dump = JSON.stringify(docs);
    expect(dump).not.toContain(apiKey);
    expect(dump).not.toContain(apiKey.slice(4));
    expect(docs.map((d) => d.hash)).toContain(createHash('sha256').update(apiKey).digest('hex'));
  });

  it('accepts both Authorization: Bearer and X-Api-Key', async () => {
    const org = await bridge.createOrganization('Keys');
    const viaBearer = await bridge.request('POST', `/v1/admin/organizations/${org.id}/api-keys`, { key: ADMIN_KEY, body: { name: 'ci' } });
    expect(viaBearer.status).toBe(201);
    const viaHeader = await bridge.request('POST', `/v1/admin/organizations/${org.id}/api-keys`, {
      headers: { 'x-api-key': ADMIN_KEY },
      body: { name: 'ops' },
    });
    expect(viaHeader.status).toBe(201);
    expect(viaHeader.body.apiKey).not.toBe(viaBearer.body.apiKey);
  });

  it('answers 401 in the error shape for missing, unknown and revoked keys', async () => {
    const missing = await bridge.request('POST', '/v1/admin/organizations', { body: { name: 'x' } });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });

    const unknown = await bridge.request('POST', '/v1/admin/organizations', { key: 'wab_not-a-real-key', body: { name: 'x' } });
    expect(unknown.status).toBe(401);

    const org = await bridge.createOrganization('Revoke');
    const issued = await bridge.request('POST', `/v1/admin/organizations/${org.id}/api-keys`, { key: ADMIN_KEY, body: { name: 'temp' } });
    // While valid, the key authenticates (and is refused on admin routes with 403, not 401).
    expect((await bridge.request('POST', '/v1/admin/organizations', { key: issued.body.apiKey, body: { name: 'x' } })).status).toBe(403);
    const revoke = await bridge.request('DELETE', `/v1/admin/api-keys/${issued.body.id}`, { key: ADMIN_KEY });
    expect(revoke.status).toBe(204);
    const after = await bridge.request('POST', '/v1/admin/organizations', { key: issued.body.apiKey, body: { name: 'x' } });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
  });

  it('refuses admin routes to organization keys, and changes nothing', async () => {
    const org = await bridge.createOrganization('Tenant');
    const before = await bridge.state.models.Organization.countDocuments();
    const res = await bridge.request('POST', '/v1/admin/organizations', { key: org.apiKey, body: { name: 'sneaky' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    const revoke = await bridge.request('DELETE', `/v1/admin/api-keys/000000000000000000000000`, { key: org.apiKey });
    expect(revoke.status).toBe(403);
    expect(await bridge.state.models.Organization.countDocuments()).toBe(before);
  });

  it('validates input: 400 for bad bodies, 404 for unknown ids', async () => {
    const noName = await bridge.request('POST', '/v1/admin/organizations', { key: ADMIN_KEY, body: {} });
    expect(noName.status).toBe(400);
    expect(noName.body.error.code).toBe('validation_failed');
    const extra = await bridge.request('POST', '/v1/admin/organizations', { key: ADMIN_KEY, body: { name: 'a', admin: true } });
    expect(extra.status).toBe(400);
    const unknownOrg = await bridge.request('POST', '/v1/admin/organizations/000000000000000000000000/api-keys', { key: ADMIN_KEY, body: { name: 'k' } });
    expect(unknownOrg.status).toBe(404);
    const badOrgId = await bridge.request('POST', '/v1/admin/organizations/not-an-id/api-keys', { key: ADMIN_KEY, body: { name: 'k' } });
    expect(badOrgId.status).toBe(404);
    const badKeyId = await bridge.request('DELETE', '/v1/admin/api-keys/zzz', { key: ADMIN_KEY });
    expect(badKeyId.status).toBe(404);
  });
});
