import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestBridge, type TestBridge } from '../../support/stack.ts';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ label: 'malformed' });
});
afterAll(async () => bridge?.close());

async function raw(path: string, init: RequestInit) {
  const res = await fetch(`${bridge.url}${path}`, init);
  const body = await res.json();
  return { status: res.status, body };
}

describe('malformed input is answered 4xx in the error shape, never 5xx', () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };

  it('malformed JSON → 400 invalid_json', async () => {
    const res = await raw('/v1/admin/organizations', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name": ' });
    expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: expect.any(String) } } });
  });

  it('a body over the limit → 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    const res = await raw('/v1/admin/organizations', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('a wrong content type → 415', async () => {
    const res = await raw('/v1/admin/organizations', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'name=x' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    const form = await raw('/v1/admin/organizations', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(form.status).toBe(415);
  });

  it('an unknown route → 404 not_found; a wrong method → 405', async () => {
    expect(await raw('/v1/nothing-here', { headers: auth })).toEqual({ status: 404, body: { error: { code: 'not_found', message: expect.any(String) } } });
    const wrongMethod = await fetch(`${bridge.url}/healthz`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('GET');
  });

  it('JSON that is not an object, or of the wrong types, → 400', async () => {
    for (const body of ['[]', '"text"', '42', 'null', '{"name": 12}', '{"name": ""}', '{"name": {"$gt": ""}}']) {
      const res = await raw('/v1/admin/organizations', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(res.body.error.code, body).toMatch(/^(validation_failed|invalid_json)$/);
    }
  });

  it('a flood of odd requests produces no 5xx', async () => {
    const paths = ['/v1/admin/organizations', '/v1/admin/organizations/%00/api-keys', '/v1/admin/api-keys/%E0%A4%A', '/v1/admin/api-keys/' + 'a'.repeat(5000), '/healthz?x=%zz'];
    const bodies = ['', '{', '{"name":"ok"}', '\u0000', '{"name":"' + '\\u0000'.repeat(10) + '"}'];
    for (const path of paths) {
      for (const body of bodies) {
        for (const method of ['POST', 'DELETE', 'GET', 'PATCH']) {
          const res = await fetch(`${bridge.url}${path}`, {
            method,
            headers: { ...auth, 'content-type': 'application/json' },
            body: method === 'GET' ? undefined : body,
          });
          expect(res.status, `${method} ${path} ${body}`).toBeLessThan(500);
          await res.arrayBuffer();
        }
      }
    }
  });

  it('echoes a request id and serves metrics', async () => {
    const res = await fetch(`${bridge.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const metrics = await fetch(`${bridge.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('wab_http_requests_total');
    expect(text).toMatch(/wab_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  });
});
