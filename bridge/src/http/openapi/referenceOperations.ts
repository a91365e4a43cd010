import { docsAssetParams } from '../routes/docs/assets.ts';
import type { Operation } from './operation.ts';

/** routes/docs/router.ts: this document and the interactive reference over it. */
export const referenceOperations: Operation[] = [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: 'Reference',
    summary: 'This OpenAPI 3.1 document',
    description: 'Generated from the zod schemas the routes validate requests with; the sandbox routes are listed only on a sandbox bridge.',
    access: 'public',
    responses: { 200: { description: 'The document.', content: { 'application/json': { schema: { type: 'object', description: 'An OpenAPI 3.1 document.' } } } } },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiReference',
    tag: 'Reference',
    summary: 'Interactive API reference',
    description: 'Swagger UI over /openapi.json, served by the bridge (no CDN).',
    access: 'public',
    responses: { 200: { description: 'The page.', content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } } } },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs/assets/:file',
    operationId: 'getApiReferenceAsset',
    tag: 'Reference',
    summary: "The reference page's scripts, stylesheet and icons",
    access: 'public',
    params: docsAssetParams,
    responses: {
      200: {
        description: 'The file.',
        content: {
          'text/javascript; charset=utf-8': { schema: { type: 'string' } },
          'text/css; charset=utf-8': { schema: { type: 'string' } },
          'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
        },
      },
    },
    errors: [404],
  },
];
