import Router from '@koa/router';
import type { ApiKeyService } from '../../../services/apiKeyService.ts';
import { requireAdmin, type Authenticate } from '../../middleware/auth.ts';
import { bodyOf } from '../../validate.ts';
import { createApiKeyBody, createOrganizationBody } from './schemas.ts';

/** Organizations and their API keys; admin key only. */
export function adminRouter({ authenticate, keys }: { authenticate: Authenticate; keys: ApiKeyService }): Router {
  const router = new Router({ prefix: '/v1/admin' });
  router.use(authenticate, requireAdmin());

  router.post('/organizations', async (ctx) => {
    const { name } = bodyOf(ctx, createOrganizationBody);
    ctx.status = 201;
    ctx.body = await keys.createOrganization(name);
  });

  router.post('/organizations/:id/api-keys', async (ctx) => {
    const { name } = bodyOf(ctx, createApiKeyBody);
    ctx.status = 201;
    ctx.body = await keys.issueKey(ctx.params.id, name);
  });

  router.delete('/api-keys/:id', async (ctx) => {
    await keys.revokeKey(ctx.params.id);
    ctx.status = 204;
  });

  return router;
}
