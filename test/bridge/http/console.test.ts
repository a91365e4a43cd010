import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestBridge, type TestBridge } from '../../support/stack.ts';

/**
 * The web console's sign-in (docs/console.md): an organization key becomes an httpOnly,
 * SameSite=Strict cookie holding the key sealed (not the key), which authenticates /v1 routes only
 * together with the header X-Console: 1 (the CSRF defence). Sign-out clears it.
 */
let bridge: TestBridge;
let org: { id: string; apiKey: string };
beforeAll(async () => {
  bridge = await startTestBridge({ label: 'console' });
  org = await bridge.createOrganization('Console');
});
afterAll(async () => bridge?.close());

/** The `wab_console=…` pair of a response's Set-Cookie, and its attributes. */
function consoleCookie(headers: Headers): { pair: string; attributes: string[] } {
  const line = headers.getSetCookie().find((c) => c.startsWith('wab_console='));
  expect(line, 'Set-Cookie wab_console').toBeDefined();
  const [pair, ...attributes] = line!.split(';').map((p) => p.trim());
  return { pair: pair!, attributes: attributes.map((a) => a.toLowerCase()) };
}

async function signIn(key: string): Promise<string> {
  const res = await bridge.request('POST', '/console/sign-in', { body: { key } });
  expect(res.status).toBe(200);
  return consoleCookie(res.headers).pair;
}

describe('the console sign-in', () => {
  it('serves the page with a nonce CSP and no inline handlers', async () => {
    const res = await fetch(`${bridge.url}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).not.toMatch(/\son[a-z]+="/);
    expect(html).not.toMatch(/https?:\/\/(?!n8n\.example\.com)/);
  });

  it('answers 401 in the error shape for an unknown key, the admin key and a missing key, and sets no cookie', async () => {
    for (const key of ['wab_not-a-real-key-0000000000000000000000000', ADMIN_KEY]) {
      const res = await bridge.request('POST', '/console/sign-in', { body: { key } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const missing = await bridge.request('POST', '/console/sign-in', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('validation_failed');
  });

  it('sets an httpOnly, SameSite=Strict cookie that does not contain the key', async () => {
    const res = await bridge.request('POST', '/console/sign-in', { body: { key: org.apiKey } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ organizationId: org.id, expiresAt: expect.any(String) });
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
    const { pair, attributes } = consoleCookie(res.headers);
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain('path=/');
    // Plain http here: not Secure (it is over https, or when PUBLIC_URL is https).
    expect(attributes).not.toContain('secure');
    expect(pair).not.toContain(org.apiKey);
    expect(pair).not.toContain(org.apiKey.slice(4, 20));
    expect(Buffer.from(pair.split('=')[1]!.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('wab_');
  });

  it('authenticates /v1 routes with the cookie only together with X-Console: 1', async () => {
    const cookie = await signIn(org.apiKey);
    const withHeader = await bridge.request('GET', '/v1/sessions', { headers: { cookie, 'x-console': '1' } });
    expect(withHeader.status).toBe(200);
    expect(withHeader.body).toEqual({ data: [] });

    // A cross-site form or <img> cannot add the header: refused, whatever the method.
    const get = await bridge.request('GET', '/v1/sessions', { headers: { cookie } });
    expect(get.status).toBe(403);
    expect(get.body).toEqual({ error: { code: 'console_header_required', message: expect.any(String) } });
    const post = await bridge.request('POST', '/v1/sessions', { headers: { cookie }, body: { name: 'forged' } });
    expect(post.status).toBe(403);
    const wrong = await bridge.request('POST', '/v1/sessions', { headers: { cookie, 'x-console': 'yes' }, body: { name: 'forged' } });
    expect(wrong.status).toBe(403);
    expect((await bridge.request('GET', '/v1/sessions', { key: org.apiKey })).body.data).toEqual([]);

    // The cookie carries an organization key: admin routes stay closed to it.
    const admin = await bridge.request('POST', '/v1/admin/organizations', { headers: { cookie, 'x-console': '1' }, body: { name: 'x' } });
    expect(admin.status).toBe(403);
  });

  it('refuses an altered cookie and one whose key was revoked', async () => {
    const cookie = await signIn(org.apiKey);
    const [name, value] = cookie.split('=') as [string, string];
    const altered = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
    const res = await bridge.request('GET', '/v1/sessions', { headers: { cookie: altered, 'x-console': '1' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');

    const issued = await bridge.request('POST', `/v1/admin/organizations/${org.id}/api-keys`, { key: ADMIN_KEY, body: { name: 'revoked-later' } });
    expect(issued.status).toBe(201);
    const revocable = await signIn(issued.body.apiKey);
    expect((await bridge.request('GET', '/v1/sessions', { headers: { cookie: revocable, 'x-console': '1' } })).status).toBe(200);
    expect((await bridge.request('DELETE', `/v1/admin/api-keys/${issued.body.id}`, { key: ADMIN_KEY })).status).toBe(204);
    expect((await bridge.request('GET', '/v1/sessions', { headers: { cookie: revocable, 'x-console': '1' } })).status).toBe(401);
  });

  it('signs out by clearing the cookie', async () => {
    const res = await bridge.request('POST', '/console/sign-out');
    expect(res.status).toBe(204);
    const { pair, attributes } = consoleCookie(res.headers);
    expect(pair).toBe('wab_console=');
    expect(attributes).toContain('httponly');
    expect(attributes.find((a) => a.startsWith('expires='))).toMatch(/1970/);
  });
});
