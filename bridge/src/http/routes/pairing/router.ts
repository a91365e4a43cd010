import Router from '@koa/router';
import { pageHeaders } from '../../pageHeaders.ts';
import type { Context } from 'koa';
import type { SessionManager } from '../../../sessions/sessionManager.ts';
import type { PairingGrant, PairingLinks } from '../../../sessions/pairingLinks.ts';
import type { SessionDoc } from '../../../models/session.ts';
import { PAIRING_LINK_INVALID } from '../../../sessions/sessionService.ts';
import type { EventStreams } from '../sessions/sessionEventStream.ts';
import { notFound } from '../../errors.ts';
import { bodyOf } from '../../validate.ts';
import { pairingErrorHtml, pairingPageHtml } from './pairingPage.ts';
import { pairingLinkCodeBody, pairingRestartBody } from './schemas.ts';
import type { SandboxActions } from '../sandbox/router.ts';

export interface PairingRouterDeps {
  manager: SessionManager;
  streams: EventStreams;
  links: PairingLinks;
  /** Sandbox mode only: the page offers to scan with the simulated phone. */
  sandbox?: SandboxActions;
}

/**
 * The operator's pairing page and what it may do, authorised by the signed token in its URL (no
 * API key): watch the session's QR codes, get a fresh code when they ran out, ask for a pairing
 * code by phone number. The last two only while the session is unpaired (sessionService.ts).
 */
export function pairingRouter({ manager, streams, links, sandbox }: PairingRouterDeps): Router {
  const router = new Router({ prefix: '/pair' });

  const grantOf = (ctx: Context): PairingGrant | null => links.read(String(ctx.params.token ?? ''));

  function requireGrant(ctx: Context): PairingGrant {
    const grant = grantOf(ctx);
    if (!grant) throw notFound('pairing_link_invalid', PAIRING_LINK_INVALID);
    return grant;
  }

  async function sessionOf(ctx: Context): Promise<SessionDoc | null> {
    const grant = grantOf(ctx);
    return grant ? await manager.findById(grant.sessionId) : null;
  }


  router.get('/:token', async (ctx) => {
    const nonce = pageHeaders(ctx);
    const grant = grantOf(ctx);
    const doc = grant ? await manager.findById(grant.sessionId) : null;
    ctx.type = 'text/html; charset=utf-8';
    if (!grant || !doc) {
      ctx.status = 404;
      ctx.body = pairingErrorHtml(PAIRING_LINK_INVALID, nonce);
      return;
    }
    ctx.body = pairingPageHtml(doc.name, { sandbox: sandbox !== undefined, nonce, linkExpiresAt: grant.expiresAt });
  });

  // "Get a fresh code": starts the unpaired session's pairing again after its codes ran out.
  router.post('/:token/restart', async (ctx) => {
    const grant = requireGrant(ctx);
    bodyOf(ctx, pairingRestartBody);
    ctx.body = await manager.restartPairing(grant);
  });

  // "Link with phone number instead": the 8-character code for that number.
  router.post('/:token/pairing-code', async (ctx) => {
    const grant = requireGrant(ctx);
    const { phoneNumber } = bodyOf(ctx, pairingLinkCodeBody);
    ctx.body = { code: await manager.requestPairingCodeByLink(grant, phoneNumber) };
  });

  if (sandbox) {
    router.post('/:token/sandbox/scan', async (ctx) => {
      const doc = await sessionOf(ctx);
      if (!doc) throw notFound('pairing_link_invalid', PAIRING_LINK_INVALID);
      const device = await sandbox.scan(doc);
      ctx.status = 201;
      ctx.body = { device: { phoneNumber: device.phone.phoneNumber, deviceId: device.deviceId } };
    });
  }

  router.get('/:token/events', async (ctx) => {
    const doc = await sessionOf(ctx);
    if (!doc) throw notFound('pairing_link_invalid', PAIRING_LINK_INVALID);
    await streams.open(ctx, doc);
  });

  return router;
}
