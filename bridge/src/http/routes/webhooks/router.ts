import Router from '@koa/router';
import type { Context } from 'koa';
import type { WebhookRegistry } from '../../../webhooks/webhookRegistry.ts';
import type { DeliveryLog } from '../../../webhooks/deliveryLog.ts';
import { organizationOf, requireOrganization, type Authenticate } from '../../middleware/auth.ts';
import { notFound } from '../../errors.ts';
import { bodyOf, queryOf } from '../../validate.ts';
import { createWebhookBody, deliveryId, listDeliveriesQuery, recoverBody, updateWebhookBody, webhookId } from './schemas.ts';

/** Ids that cannot exist are 404, like ids that do not exist. */
function idParam(ctx: Context, name: 'id' | 'deliveryId'): string {
  const value = String(ctx.params[name] ?? '');
  const schema = name === 'id' ? webhookId : deliveryId;
  if (!schema.safeParse(value).success) {
    throw name === 'id' ? notFound('webhook_not_found', `No webhook ${value}`) : notFound('delivery_not_found', `No delivery ${value}`);
  }
  return value;
}

/** Webhook endpoints, their attempt log and replays; organization keys only. */
export function webhooksRouter({ authenticate, registry, deliveries }: { authenticate: Authenticate; registry: WebhookRegistry; deliveries: DeliveryLog }): Router {
  const router = new Router({ prefix: '/v1/webhooks' });
  router.use(authenticate, requireOrganization());

  router.post('/', async (ctx) => {
    const input = bodyOf(ctx, createWebhookBody);
    const { webhook, secret } = await registry.create(organizationOf(ctx), input);
    ctx.status = 201;
    ctx.body = { ...webhook, secret };
  });

  router.get('/', async (ctx) => {
    ctx.body = { data: await registry.list(organizationOf(ctx)) };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = await registry.get(organizationOf(ctx), idParam(ctx, 'id'));
  });

  router.patch('/:id', async (ctx) => {
    const id = idParam(ctx, 'id');
    ctx.body = await registry.update(organizationOf(ctx), id, bodyOf(ctx, updateWebhookBody));
  });

  router.delete('/:id', async (ctx) => {
    await registry.remove(organizationOf(ctx), idParam(ctx, 'id'));
    ctx.status = 204;
  });

  router.post('/:id/rotate-secret', async (ctx) => {
    const { webhook, secret } = await registry.rotateSecret(organizationOf(ctx), idParam(ctx, 'id'));
    ctx.body = { ...webhook, secret };
  });

  router.post('/:id/test', async (ctx) => {
    ctx.status = 202;
    ctx.body = await registry.sendTest(organizationOf(ctx), idParam(ctx, 'id'));
  });

  router.get('/:id/deliveries', async (ctx) => {
    const id = idParam(ctx, 'id');
    ctx.body = await deliveries.list(organizationOf(ctx), id, queryOf(ctx, listDeliveriesQuery));
  });

  router.get('/:id/deliveries/:deliveryId', async (ctx) => {
    ctx.body = await deliveries.get(organizationOf(ctx), idParam(ctx, 'id'), idParam(ctx, 'deliveryId'));
  });

  router.post('/:id/deliveries/:deliveryId/retry', async (ctx) => {
    ctx.status = 202;
    ctx.body = await deliveries.retry(organizationOf(ctx), idParam(ctx, 'id'), idParam(ctx, 'deliveryId'));
  });

  router.post('/:id/recover', async (ctx) => {
    const id = idParam(ctx, 'id');
    const { since } = bodyOf(ctx, recoverBody);
    ctx.status = 202;
    ctx.body = await deliveries.recover(organizationOf(ctx), id, since);
  });

  return router;
}
