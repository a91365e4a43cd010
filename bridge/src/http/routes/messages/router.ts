import Router from '@koa/router';
import type { MessageQuery } from '../../../messages/messageQuery.ts';
import type { MessageSender } from '../../../messages/messageSender.ts';
import { organizationOf, requireOrganization, type Authenticate } from '../../middleware/auth.ts';
import { bodyOf, queryOf } from '../../validate.ts';
import { ApiError } from '../../errors.ts';
import { idempotencyKey, listMessagesQuery, sendMessageBody, sessionName } from './schemas.ts';

/** Sending (POST /v1/sessions/:name/messages) and lookup (GET /v1/messages, /v1/messages/:id). */
export function messagesRouter({ authenticate, sender, query }: { authenticate: Authenticate; sender: MessageSender; query: MessageQuery }): Router {
  const router = new Router();
  const auth = [authenticate, requireOrganization()];

  router.post('/v1/sessions/:name/messages', ...auth, async (ctx) => {
    const session = sessionName.parse(ctx.params.name);
    const body = bodyOf(ctx, sendMessageBody);
    const key = ctx.get('idempotency-key');
    const sent = await sender.send({ organizationId: organizationOf(ctx), session, body, idempotencyKey: key ? idempotencyKey.parse(key) : undefined });
    if (sent.outcome === 'refused') {
      throw new ApiError(502, 'send_failed', `WhatsApp did not accept the message: ${sent.reason}`, { id: sent.id });
    }
    ctx.status = 202;
    ctx.body = { id: sent.id, messageId: sent.messageId, status: sent.status };
  });

  router.get('/v1/messages', ...auth, async (ctx) => {
    const { limit, cursor, page, ...filters } = queryOf(ctx, listMessagesQuery);
    const organizationId = organizationOf(ctx);
    ctx.body = page ? await query.byPage(organizationId, filters, limit, page) : await query.byCursor(organizationId, filters, limit, cursor);
  });

  router.get('/v1/messages/:id', ...auth, async (ctx) => {
    ctx.body = await query.byId(organizationOf(ctx), ctx.params.id);
  });

  return router;
}
