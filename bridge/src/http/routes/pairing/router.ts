import Router from '@koa/router';
import type { Context } from 'koa';
import type { SessionManager } from '../../../sessions/sessionManager.ts';
import type { PairingLinks } from '../../../sessions/pairingLinks.ts';
import type { SessionDoc } from '../../../models/session.ts';
import type { EventStreams } from '../sessions/sessionEventStream.ts';
import { notFound } from '../../errors.ts';
import { pairingErrorHtml, pairingPageHtml } from './pairingPage.ts';
import type { SandboxActions } from '../sandbox/router.ts';

export interface PairingRouterDeps {
  manager: SessionManager;
  streams: EventStreams;
  links: PairingLinks;
  /** Sandbox mode only: the page offers to scan with the simulated phone. */
  sandbox?: SandboxActions;
}

const INVALID = 'This pairing link is invalid or has expired. Ask for a new one.';

/** The operator's pairing page, authorised by the signed token in its URL (no API key). */
export function pairingRouter({ manager, streams, links, sandbox }: PairingRouterDeps): Router {
  const router = new Router({ prefix: '/pair' });

  async function sessionOf(ctx: Context): Promise<SessionDoc | null> {
    const sessionId = links.verify(String(ctx.params.token ?? ''));
    return sessionId ? await manager.findById(sessionId) : null;
  }

  const pageHeaders = (ctx: Context) =>
    ctx.set({
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
    });

  router.get('/:token', async (ctx) => {
    pageHeaders(ctx);
    const doc = await sessionOf(ctx);
    ctx.type = 'text/html; charset=utf-8';
    if (!doc) {
      ctx.status = 404;
      ctx.body = pairingErrorHtml(INVALID);
      return;
    }
    ctx.body = pairingPageHtml(doc.name, { sandbox: sandbox !== undefined });
  });

  if (sandbox) {
    router.post('/:token/sandbox/scan', async (ctx) => {
      const doc = await sessionOf(ctx);
      if (!doc) throw notFound('pairing_link_invalid', INVALID);
      const device = await sandbox.scan(doc);
      ctx.status = 201;
      ctx.body = { device: { phoneNumber: device.phone.phoneNumber, deviceId: device.deviceId } };
    });
  }

  router.get('/:token/events', async (ctx) => {
    const doc = await sessionOf(ctx);
    if (!doc) throw notFound('pairing_link_invalid', INVALID);
    await streams.open(ctx, doc);
  });

  return router;
}
