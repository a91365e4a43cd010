import Router from '@koa/router';
import QRCode from 'qrcode';
import type { SessionManager } from '../../../sessions/sessionManager.ts';
import type { PairingLinks } from '../../../sessions/pairingLinks.ts';
import { organizationOf, requireOrganization, type Authenticate } from '../../middleware/auth.ts';
import { bodyOf, queryOf } from '../../validate.ts';
import { notFound } from '../../errors.ts';
import type { EventStreams } from './sessionEventStream.ts';
import { qrPayload } from './sessionEventStream.ts';
import { createSessionBody, deleteSessionQuery, pairingCodeBody, pairingLinkBody, qrQuery, sessionParams, updateSessionBody } from './schemas.ts';

export interface SessionsRouterDeps {
  authenticate: Authenticate;
  manager: SessionManager;
  streams: EventStreams;
  links: PairingLinks;
}

/** Sessions of the calling organization: lifecycle, QR, live events, pairing. */
export function sessionsRouter({ authenticate, manager, streams, links }: SessionsRouterDeps): Router {
  const router = new Router({ prefix: '/v1/sessions' });
  router.use(authenticate, requireOrganization());

  const nameOf = (params: Record<string, string | undefined>) => sessionParams.parse(params).name;

  router.post('/', async (ctx) => {
    const { name, start, receive } = bodyOf(ctx, createSessionBody);
    ctx.status = 201;
    ctx.body = await manager.create(organizationOf(ctx), name, { start, receive });
  });

  router.patch('/:name', async (ctx) => {
    const { receive } = bodyOf(ctx, updateSessionBody);
    ctx.body = await manager.update(organizationOf(ctx), nameOf(ctx.params), { receive });
  });

  router.get('/', async (ctx) => {
    ctx.body = { data: await manager.list(organizationOf(ctx)) };
  });

  router.get('/:name', async (ctx) => {
    ctx.body = await manager.get(organizationOf(ctx), nameOf(ctx.params));
  });

  router.delete('/:name', async (ctx) => {
    const { purge } = queryOf(ctx, deleteSessionQuery);
    await manager.remove(organizationOf(ctx), nameOf(ctx.params), purge);
    ctx.status = 204;
  });

  router.post('/:name/start', async (ctx) => {
    ctx.body = await manager.start(organizationOf(ctx), nameOf(ctx.params));
  });
  router.post('/:name/stop', async (ctx) => {
    ctx.body = await manager.stop(organizationOf(ctx), nameOf(ctx.params));
  });
  router.post('/:name/restart', async (ctx) => {
    ctx.body = await manager.restart(organizationOf(ctx), nameOf(ctx.params));
  });
  router.post('/:name/logout', async (ctx) => {
    ctx.body = await manager.logout(organizationOf(ctx), nameOf(ctx.params));
  });

  router.get('/:name/qr', async (ctx) => {
    const { format } = queryOf(ctx, qrQuery);
    const doc = await manager.find(organizationOf(ctx), nameOf(ctx.params));
    const current = await manager.currentQr(doc._id);
    if (!current) throw notFound('qr_not_available', `No QR code for "${doc.name}" right now (status: ${doc.status}).`);
    ctx.set('Cache-Control', 'no-store');
    const png = format === 'png' || (format === undefined && ctx.accepts('application/json', 'image/png') === 'image/png');
    if (png) {
      ctx.type = 'image/png';
      ctx.body = await QRCode.toBuffer(current.qr, { type: 'png', margin: 1, width: 320 });
    } else {
      ctx.body = await qrPayload(current.qr, current.expiresAt);
    }
  });

  router.get('/:name/events', async (ctx) => {
    const doc = await manager.find(organizationOf(ctx), nameOf(ctx.params));
    await streams.open(ctx, doc);
  });

  router.post('/:name/pairing-code', async (ctx) => {
    const name = nameOf(ctx.params);
    const { phoneNumber } = bodyOf(ctx, pairingCodeBody);
    ctx.body = { code: await manager.requestPairingCode(organizationOf(ctx), name, phoneNumber) };
  });

  router.post('/:name/pairing-link', async (ctx) => {
    const { expiresIn } = bodyOf(ctx, pairingLinkBody);
    const doc = await manager.find(organizationOf(ctx), nameOf(ctx.params));
    const { url, expiresAt } = links.issue(doc._id, expiresIn * 1_000);
    ctx.body = { url, expiresAt };
  });

  return router;
}
