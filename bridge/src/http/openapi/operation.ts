import type { z } from 'zod';
import type { ErrorStatus } from './errorResponses.ts';

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

/**
 * Who may call a route: an organization key (`wab_…`), the admin key (BRIDGE_ADMIN_KEY), anyone
 * (health, the reference itself), or whoever holds a pairing link (the signed token in the path).
 */
export type Access = 'organization' | 'admin' | 'public' | 'pairing-link';

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) written by hand, for bodies zod does not describe. */
export type JsonSchema = Record<string, unknown>;

export interface ResponseSpec {
  description: string;
  /** A JSON body: a schema named in components.ts (the route folder's responses.ts). */
  json?: z.ZodType;
  /** Bodies of other media types (HTML, PNG, Prometheus text, Server-Sent Events). */
  content?: Record<string, { schema?: JsonSchema; [extension: `x-${string}`]: unknown }>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/**
 * One route, as the OpenAPI document describes it. The request parts are the zod schemas the route
 * itself parses with (exported from its schemas.ts, or its router), never copies of them.
 */
export interface Operation {
  method: HttpMethod;
  /** As the Koa router writes it, prefix included: `/v1/sessions/:name/qr`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** Mounted only when WA_SANDBOX=true (the simulator's routes). */
  sandboxOnly?: boolean;
  /** Path parameters: one key per `:param`. */
  params?: z.ZodType;
  query?: z.ZodType;
  /** Request headers the route reads (beyond authentication). */
  headers?: z.ZodType;
  /** The JSON request body. */
  body?: z.ZodType;
  /** Descriptions of parameters and body fields the schemas cannot carry (refinements, defaults' meaning). */
  parameterDescriptions?: Record<string, string>;
  responses: Partial<Record<200 | 201 | 202 | 204, ResponseSpec>> & Partial<Record<ErrorStatus, ResponseSpec>>;
  /**
   * Error statuses the route answers in the error shape, beyond those the document builder adds
   * (document.ts, errorStatusesOf): 401, 403 and 503 behind a key, 503 behind a pairing link; 400,
   * 413 and 415 for methods that may carry a body; 400 when anything is validated; 500 always.
   */
  errors: ErrorStatus[];
}
