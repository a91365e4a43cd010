import Router from '@koa/router';
import type { ApiKeyService } from '../../../services/apiKeyService.ts';
import { requireAdmin, type Authenticate } from '../../middleware/auth.ts';
import { bodyOf, queryOf } from '../../validate.ts';
import { createApiKeyBody, createOrganizationBody, deadLettersQuery, replayDeadLettersBody } from './schemas.ts';
import type { DeadLetter } from '../../../messages/inboundPipeline.ts';

/** The inbound writes that gave up, as the admin routes reach them. */
export interface DeadLetters {
  deadLetters(limit?: number): Promise<{ total: number; data: DeadLetter[] }>;
  replayDeadLetters(ids?: string[]): Promise<number>;
}

/** Organizations and their API keys; admin key only. */
export function adminRouter({ authenticate, keys, inbound }: { authenticate: Authenticate; keys: ApiKeyService; inbound?: DeadLetters }): Router {
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

  // Inbound writes (messages, changes, receipts, contacts) that gave up after all their attempts.
  router.get('/dead-letters', async (ctx) => {
    const { limit } = queryOf(ctx, deadLettersQuery);
    ctx.body = inbound ? await inbound.deadLetters(limit) : { total: 0, data: [] };
  });

  router.post('/dead-letters/replay', async (ctx) => {
    const { ids } = bodyOf(ctx, replayDeadLettersBody);
    ctx.body = { replayed: inbound ? await inbound.replayDeadLetters(ids) : 0 };
  });

  return router;
}
