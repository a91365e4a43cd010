import Router from '@koa/router';
import type { Context } from 'koa';
import { openApiDocument } from '../../openapi/document.ts';
import { notFound } from '../../errors.ts';
import { DOCS_CONTENT_SECURITY_POLICY, docsPageHtml } from './docsPage.ts';
import { docsAssetParams, openAsset } from './assets.ts';

/**
 * The API's own description, no key needed: GET /openapi.json (OpenAPI 3.1, built from the zod
 * schemas the routes validate with; sandbox routes only on a sandbox bridge) and GET /docs (an
 * interactive reference over it).
 */
export function docsRouter({ sandbox }: { sandbox: boolean }): Router {
  const router = new Router();
  let document: string | undefined;

  router.get('/openapi.json', (ctx) => {
    // Built on first request, once: it only changes with the code.
    document ??= JSON.stringify(openApiDocument({ sandbox }));
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = document;
  });

  const page = (ctx: Context) => {
    ctx.set({ 'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' });
  };

  router.get('/docs', (ctx) => {
    page(ctx);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = docsPageHtml();
  });

  router.get('/docs/assets/:file', async (ctx) => {
    const parsed = docsAssetParams.safeParse(ctx.params);
    if (!parsed.success) throw notFound('not_found', `No asset ${String(ctx.params.file)}`);
    const asset = await openAsset(parsed.data.file);
    ctx.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=3600' });
    ctx.type = asset.type;
    ctx.length = asset.length;
    ctx.body = asset.body;
  });

  return router;
}
