import type { Context, Middleware, Next } from 'koa';
import type Koa from 'koa';
import type Router from '@koa/router';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument, openApiPath, type OpenApiDocument } from '../../bridge/src/http/openapi/document.ts';

/**
 * Checks every response a test bridge writes against the OpenAPI document (GET /openapi.json): the
 * status must be one the operation lists, a JSON body must match that status's schema, another
 * body's media type must be one it lists. Installed by startTestBridge (in-process bridges) and by
 * serveBridge in bridge processes that launchBridge starts (they print the mismatches, the test
 * process records them); test/support/openapiConformanceSetup.ts fails the test that saw one.
 * OPENAPI_CONFORMANCE=off turns it off.
 */

export const CONFORMANCE_ENABLED = process.env.OPENAPI_CONFORMANCE !== 'off';
/** The line prefix a bridge process prints a mismatch with (bridgeProcess.ts picks them up). */
export const MISMATCH_LINE = 'openapi-mismatch ';

export interface SeenResponse {
  method: string;
  /** The request path, without the query string. */
  path: string;
  status: number;
  /** The response's Content-Type, if any. */
  type: string;
  /** The body as the client reads it: parsed JSON for a JSON response, else undefined. */
  json?: unknown;
  hasBody: boolean;
}

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: unknown }>; $ref?: string }>;
}

export interface ResponseChecker {
  /** What is wrong with the response, or undefined when it matches the document. */
  check(response: SeenResponse): string | undefined;
}

const mediaType = (type: string) => type.split(';')[0]!.trim().toLowerCase();

/**
 * `served`: the routes the app registered (`GET /v1/sessions/{name}`), when only those are to be
 * matched: a process without the API role, or with /metrics on a port of its own, answers the
 * others 404 like any unknown route.
 */
export function responseChecker(document: OpenApiDocument, served?: Set<string>): ResponseChecker {
  // Formats are annotations here: zod writes a pattern beside each format it checks (date-time).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  // The named schemas as one resource, their references to one another rebased onto it.
  ajv.addSchema({ $id: 'openapi', $defs: JSON.parse(JSON.stringify(document.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/')) as object });
  const validators = new Map<string, ValidateFunction>();
  const validatorOf = (schema: unknown): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) {
      const rebased = JSON.parse(key.replaceAll('"#/components/schemas/', '"openapi#/$defs/')) as object;
      validate = ajv.compile(rebased);
      validators.set(key, validate);
    }
    return validate;
  };

  const routes: Route[] = Object.entries(document.paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
        responses: operation.responses as Route['responses'],
      })),
    )
    .filter((route) => !served || served.has(`${route.method} ${route.path}`));
  const errorSchema = { $ref: '#/components/schemas/Error' };
  const resolve = (response: Route['responses'][string]) => {
    if (!response.$ref) return response;
    const name = response.$ref.replace('#/components/responses/', '');
    return document.components.responses[name] as Route['responses'][string];
  };
  // Each problem once (array items folded: /data/*/text), at most ten.
  const mismatch = (validate: ValidateFunction, body: unknown) => {
    if (validate(body)) return undefined;
    const problems = new Set((validate.errors ?? []).map((e) => `${e.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
    return [...problems].slice(0, 10).join('; ');
  };

  return {
    check(seen) {
      const label = `${seen.method} ${seen.path} → ${seen.status}`;
      const route = routes.find((r) => r.method === seen.method && r.pattern.test(seen.path));
      if (!route) {
        // Not an operation of the document (a test's own router, or a wrong path or method):
        // only errors are ours to check, in the one error shape.
        if (seen.status < 400 || !seen.hasBody) return undefined;
        if (seen.json === undefined) return `${label}: an error as ${seen.type || 'a typeless body'}, not JSON in the error shape`;
        const problem = mismatch(validatorOf(errorSchema), seen.json);
        return problem ? `${label}: not the error shape: ${problem}` : undefined;
      }
      const documented = route.responses[String(seen.status)];
      const where = `${label} (${route.method} ${route.path})`;
      if (!documented) return `${where}: status ${seen.status} is not documented (documented: ${Object.keys(route.responses).join(', ')})`;
      const content = resolve(documented).content ?? {};
      if (!seen.hasBody) return undefined;
      const types = Object.keys(content).map(mediaType);
      if (seen.json !== undefined) {
        const schema = Object.entries(content).find(([type]) => /^application\/([a-z.-]+\+)?json$/.test(mediaType(type)))?.[1].schema;
        if (!schema) return `${where}: a JSON body, but the document gives ${types.join(', ') || 'no body'} for it`;
        const problem = mismatch(validatorOf(schema), seen.json);
        return problem ? `${where}: ${problem}\n  body: ${JSON.stringify(seen.json).slice(0, 600)}` : undefined;
      }
      if (!types.includes(mediaType(seen.type))) return `${where}: a ${seen.type || 'typeless'} body, but the document gives ${types.join(', ') || 'no body'}`;
      return undefined;
    },
  };
}

/** METHOD path of every route an app's routers registered, in the document's spelling (HEAD aside: Koa adds it to each GET). */
export function registeredRoutes(app: Koa): Set<string> {
  const routes = new Set<string>();
  for (const middleware of app.middleware) {
    const router = (middleware as { router?: Router }).router;
    for (const layer of router?.stack ?? []) {
      for (const method of layer.methods) if (method !== 'HEAD') routes.add(`${method} ${openApiPath(String(layer.path))}`);
    }
  }
  return routes;
}

const documents = new Map<boolean, OpenApiDocument>();
const checkers = new Map<string, ResponseChecker>();
/** The checker for an app: the document of a bridge with or without the sandbox, limited to the routes the app serves (built once per kind). */
export function checkerFor(app: Koa, sandbox: boolean): ResponseChecker {
  const served = registeredRoutes(app);
  const key = `${sandbox} ${[...served].sort().join()}`;
  let checker = checkers.get(key);
  if (!checker) {
    let document = documents.get(sandbox);
    if (!document) documents.set(sandbox, (document = openApiDocument({ sandbox })));
    checker = responseChecker(document, served);
    checkers.set(key, checker);
  }
  return checker;
}

/** What a Koa context answered, as a client would read it. */
function seenOf(ctx: Context): SeenResponse {
  const type = String(ctx.response.get('Content-Type') || '');
  const body: unknown = ctx.body;
  const hasBody = body !== undefined && body !== null && ctx.status !== 204 && ctx.status !== 304;
  let json: unknown;
  if (hasBody && /[/+]json\b/.test(type)) {
    if (typeof body === 'string') json = JSON.parse(body);
    else if (Buffer.isBuffer(body)) json = JSON.parse(body.toString('utf8'));
    else if (typeof (body as { pipe?: unknown }).pipe !== 'function') json = JSON.parse(JSON.stringify(body));
  }
  return { method: ctx.method, path: ctx.path, status: ctx.status, type, json, hasBody };
}

/**
 * A middleware that checks each response on its way out; `report` gets each mismatch. It goes
 * first, before the app's own, so it sees what the error boundary made of a failure.
 */
export function conformanceMiddleware(checker: ResponseChecker, report: (problem: string) => void): Middleware {
  return async function openApiConformance(ctx: Context, next: Next): Promise<void> {
    await next();
    if (ctx.method === 'HEAD' || ctx.method === 'OPTIONS') return;
    let problem: string | undefined;
    try {
      problem = checker.check(seenOf(ctx));
    } catch (error) {
      problem = `${ctx.method} ${ctx.path} → ${ctx.status}: the body could not be read as JSON (${(error as Error).message})`;
    }
    if (problem) report(problem);
  };
}

/** Puts the check in front of an app's middleware (before it listens: Koa composes on callback()). */
export function installConformance(app: Koa, sandbox: boolean, report: (problem: string) => void = recordMismatch): void {
  if (!CONFORMANCE_ENABLED) return;
  app.middleware.unshift(conformanceMiddleware(checkerFor(app, sandbox), report));
}

const mismatches: string[] = [];

export function recordMismatch(problem: string): void {
  mismatches.push(problem);
}

/** The mismatches seen since the last call (openapiConformanceSetup.ts fails the test on any). */
export function takeMismatches(): string[] {
  return mismatches.splice(0);
}

/** Picks the mismatch lines out of a bridge process's output (serveBridge prints them). */
export function recordMismatchLines(chunk: string): void {
  for (const line of chunk.split('\n')) {
    const at = line.indexOf(MISMATCH_LINE);
    if (at >= 0) recordMismatch(`(bridge process) ${JSON.parse(line.slice(at + MISMATCH_LINE.length)) as string}`);
  }
}
