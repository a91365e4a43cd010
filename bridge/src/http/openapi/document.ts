import { componentId } from './components.ts';
import { ERROR_MEANINGS, errorResponse, type ErrorStatus } from './errorResponses.ts';
import { componentSchemas, parametersOf, requestJsonSchema, type ParameterObject } from './jsonSchema.ts';
import type { Access, JsonSchema, Operation, ResponseSpec } from './operation.ts';
import { healthOperations } from './healthOperations.ts';
import { referenceOperations } from './referenceOperations.ts';
import { adminOperations } from './adminOperations.ts';
import { sessionsOperations } from './sessionsOperations.ts';
import { pairingOperations } from './pairingOperations.ts';
import { sandboxOperations } from './sandboxOperations.ts';
import { webhooksOperations } from './webhooksOperations.ts';
import { messagesOperations } from './messagesOperations.ts';
import { contactsOperations } from './contactsOperations.ts';
import { consoleOperations } from './consoleOperations.ts';

/**
 * The OpenAPI 3.1 document of the HTTP API (GET /openapi.json), built from the operations of each
 * area (*Operations.ts): their request parts are the zod schemas the routes parse with, their
 * responses the zod schemas of the routes' responses.ts, both converted by zod's own JSON Schema
 * converter. The error responses every route can give (authentication, validation, bodies, outages)
 * are added here from what the route is, so no operation has to list them.
 */

export const TAGS: { name: string; description: string }[] = [
  { name: 'Sessions', description: 'WhatsApp sessions: create, start and stop, pair by QR code or phone number, follow their status.' },
  { name: 'Messages', description: 'Send through a session; look up stored messages (cursor or numbered pages).' },
  { name: 'Contacts', description: 'The contacts the sessions have seen.' },
  { name: 'Webhooks', description: 'Endpoints that receive events, signed per Standard Webhooks; their attempt log and replays.' },
  { name: 'Console', description: 'The web console at /console: sign in with an organization key; the page then uses the /v1 API with its cookie (docs/console.md).' },
  { name: 'Pairing', description: "The operator's pairing page, opened from a pairing link (no API key)." },
  { name: 'Admin', description: 'Organizations, their API keys and dead letters: the admin key (BRIDGE_ADMIN_KEY) only.' },
  { name: 'Sandbox', description: 'WA_SANDBOX=true only: act as the simulated phone and contacts (docs/sandbox.md).' },
  { name: 'Health', description: 'Probes and metrics, no key.' },
  { name: 'Reference', description: 'This document and the interactive reference.' },
];

/** Every operation of the API, sandbox ones included; `operationsOf` picks what a bridge serves. */
export const ALL_OPERATIONS: readonly Operation[] = [
  ...sessionsOperations,
  ...messagesOperations,
  ...contactsOperations,
  ...webhooksOperations,
  ...pairingOperations,
  ...consoleOperations,
  ...adminOperations,
  ...sandboxOperations,
  ...healthOperations,
  ...referenceOperations,
];

export function operationsOf({ sandbox }: { sandbox: boolean }): Operation[] {
  return ALL_OPERATIONS.filter((op) => sandbox || !op.sandboxOnly);
}

/** `/v1/sessions/:name/qr` → `/v1/sessions/{name}/qr`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const SECURITY_SCHEMES = {
  organizationKey: { type: 'http', scheme: 'bearer', bearerFormat: 'wab_…', description: "An organization's API key: `Authorization: Bearer wab_…`." },
  organizationKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: "An organization's API key in `X-Api-Key` instead." },
  adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key (BRIDGE_ADMIN_KEY): `Authorization: Bearer <key>`.' },
  adminKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The admin key in `X-Api-Key` instead.' },
} as const;

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  organization: [{ organizationKey: [] }, { organizationKeyHeader: [] }],
  admin: [{ adminKey: [] }, { adminKeyHeader: [] }],
  public: [],
  // The signed token in the path is the capability.
  'pairing-link': [],
};

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The error statuses a route answers beyond those it names: 401, 403 and 503 (the key is looked up
 * in MongoDB) behind a key; 503 when a pairing link's session is read; 400, 413 and 415 wherever
 * a body may come (the JSON body parser runs for every such method); 400 when anything is
 * validated; 500 everywhere.
 */
export function errorStatusesOf(op: Operation): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(op.errors);
  if (op.access === 'organization' || op.access === 'admin') [401, 403, 503].forEach((s) => statuses.add(s as ErrorStatus));
  if (op.access === 'pairing-link') statuses.add(503);
  if (BODY_METHODS.has(op.method)) [400, 413, 415].forEach((s) => statuses.add(s as ErrorStatus));
  if (op.params || op.query || op.headers || op.body) statuses.add(400);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

const errorRef = (status: ErrorStatus) => ({ $ref: `#/components/responses/${ERROR_MEANINGS[status].name}` });

function responseObject(spec: ResponseSpec): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (spec.json) content['application/json'] = { schema: { $ref: `#/components/schemas/${componentId(spec.json)}` } };
  Object.assign(content, spec.content ?? {});
  return {
    description: spec.description,
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(Object.keys(content).length ? { content } : {}),
  };
}

function describeBody(schema: JsonSchema, descriptions: Record<string, string>): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return schema;
  const described = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, descriptions[name] && !property.description ? { ...property, description: descriptions[name] } : property]),
  );
  return { ...schema, properties: described };
}

function operationObject(op: Operation): Record<string, unknown> {
  const descriptions = op.parameterDescriptions ?? {};
  const parameters: ParameterObject[] = [
    ...(op.params ? parametersOf(op.params, 'path', descriptions) : []),
    ...(op.query ? parametersOf(op.query, 'query', descriptions) : []),
    ...(op.headers ? parametersOf(op.headers, 'header', descriptions) : []),
  ];
  const pathNames = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const declared = parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (pathNames.join() !== declared.join()) throw new Error(`${op.operationId}: path parameters ${declared.join()} do not match ${op.path}`);

  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(op.responses)) responses[status] = responseObject(spec);
  for (const status of errorStatusesOf(op)) responses[String(status)] ??= errorRef(status);
  const ordered = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));

  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: SECURITY[op.access],
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            // bodyOf() parses a missing body as {}: required only when {} is not accepted.
            required: !op.body.safeParse({}).success,
            content: { 'application/json': { schema: describeBody(requestJsonSchema(op.body), descriptions) } },
          },
        }
      : {}),
    responses: ordered,
  };
}

/** `$ref`s to components.schemas anywhere in `value`. */
function schemaRefs(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => schemaRefs(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) found.add(v.slice('#/components/schemas/'.length));
      else schemaRefs(v, found);
    }
  }
  return found;
}

/** Only the named schemas the document refers to (a bridge without the sandbox shows none of its shapes). */
function usedSchemas(all: Record<string, JsonSchema>, roots: unknown): Record<string, JsonSchema> {
  const used = new Set<string>();
  const pending = [...schemaRefs(roots, new Set())];
  while (pending.length) {
    const id = pending.pop()!;
    if (used.has(id)) continue;
    if (!all[id]) throw new Error(`the document refers to an unknown schema ${id}`);
    used.add(id);
    pending.push(...schemaRefs(all[id], new Set()));
  }
  return Object.fromEntries(Object.entries(all).filter(([id]) => used.has(id)));
}

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: Record<string, unknown>;
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, unknown>; securitySchemes: typeof SECURITY_SCHEMES };
}

export function openApiDocument({ sandbox }: { sandbox: boolean }): OpenApiDocument {
  const operations = operationsOf({ sandbox });
  const paths: OpenApiDocument['paths'] = {};
  const ids = new Set<string>();
  for (const op of operations) {
    if (ids.has(op.operationId)) throw new Error(`operationId ${op.operationId} used twice`);
    ids.add(op.operationId);
    const path = (paths[openApiPath(op.path)] ??= {});
    if (path[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} described twice`);
    path[op.method] = operationObject(op);
  }

  const errorStatuses = new Set(operations.flatMap(errorStatusesOf));
  const responses = Object.fromEntries(
    [...errorStatuses]
      .sort((a, b) => a - b)
      .map((status) => [
        ERROR_MEANINGS[status].name,
        { description: ERROR_MEANINGS[status].description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${componentId(errorResponse)}` } } } },
      ]),
  );
  const tags = TAGS.filter((tag) => operations.some((op) => op.tag === tag.name));

  return {
    openapi: '3.1.1',
    info: {
      title: 'WhatsApp bridge API',
      version: '1',
      summary: 'A self-hosted WhatsApp bridge for n8n: sessions, messages, contacts and signed webhooks.',
      description:
        'JSON in and out. Authenticate with `Authorization: Bearer <key>` or `X-Api-Key: <key>`: an organization key (`wab_…`) for `/v1/*`, ' +
        'the admin key for `/v1/admin/*`. Every error is `{"error": {"code", "message", "details"?}}`; branch on `code`. ' +
        'Times are ISO-8601 (UTC). Webhook deliveries are described in docs/webhooks.md.' +
        (sandbox ? ' **This bridge runs in sandbox mode**: its sessions connect to the built-in WhatsApp simulator, and the Sandbox routes act as its phone and contacts.' : ''),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags,
    paths,
    components: { schemas: usedSchemas(componentSchemas(), { paths, responses }), responses, securitySchemes: SECURITY_SCHEMES },
  };
}
