import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { SessionManager } from '../../../sessions/sessionManager.ts';
import type { SessionDoc } from '../../../models/session.ts';
// Types only: the simulator itself is loaded (dynamically) only in sandbox mode.
import type { WhatsAppSimulator } from '../../../simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../../simulator/linkedDevice.ts';
import { organizationOf, requireOrganization, type Authenticate } from '../../middleware/auth.ts';
import { bodyOf } from '../../validate.ts';
import { conflict, notFound } from '../../errors.ts';
import { sessionParams } from '../sessions/schemas.ts';

const phoneNumber = z.string().regex(/^\d{6,15}$/, 'must be digits only, country code first (e.g. 15557001234)');
const scanBody = z.object({ phoneNumber: phoneNumber.optional(), pushName: z.string().max(64).optional() }).strict();
const inboundBody = z.object({ from: phoneNumber, text: z.string().min(1).max(65_536) }).strict();
const receiptBody = z.object({ from: phoneNumber, messageId: z.string().min(1).max(128), type: z.enum(['delivery', 'read']) }).strict();

/** Each session pairs with its own simulated phone unless told otherwise: a stable number from its id. */
export function sandboxPhoneNumberOf(sessionId: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(sessionId).digest('hex').slice(0, 12)}`) % 10_000_000n;
  return `1555${digits.toString().padStart(7, '0')}`;
}

export interface SandboxActions {
  /** The simulated phone scans the session's current QR code. */
  scan(doc: SessionDoc, phoneNumber?: string, pushName?: string): Promise<LinkedDevice>;
}

export function sandboxActions(manager: SessionManager, simulator: WhatsAppSimulator): SandboxActions {
  return {
    async scan(doc, number = sandboxPhoneNumberOf(String(doc._id)), pushName) {
      const current = await manager.currentQr(String(doc._id));
      if (!current) throw notFound('qr_not_available', `No QR code for "${doc.name}" right now (status: ${doc.status}).`);
      const phone = simulator.phone(number) ?? simulator.createPhone(number, pushName ?? `Sandbox ${doc.name}`);
      try {
        return await simulator.scan(current.qr, phone);
      } catch (error) {
        throw conflict('qr_not_showing', `The simulated phone could not pair: ${(error as Error).message}`);
      }
    },
  };
}

function describe(device: LinkedDevice) {
  return { jid: `${device.phone.phoneNumber}:${device.deviceId}@s.whatsapp.net`, phoneNumber: device.phone.phoneNumber, deviceId: device.deviceId };
}

/**
 * Sandbox mode only: act as the simulated phone and contacts of an organization's sessions
 * (the same as the simulator's control API, addressed by session name and behind the API key).
 */
export function sandboxRouter({ authenticate, manager, simulator }: { authenticate: Authenticate; manager: SessionManager; simulator: WhatsAppSimulator }): Router {
  const router = new Router({ prefix: '/v1/sandbox/sessions' });
  router.use(authenticate, requireOrganization());
  const actions = sandboxActions(manager, simulator);

  const sessionOf = async (ctx: { params: Record<string, string | undefined> }, organizationId: string) =>
    manager.find(organizationId, sessionParams.parse(ctx.params).name);

  const deviceOf = (doc: SessionDoc): LinkedDevice => {
    const device = doc.phoneNumber ? simulator.devicesOf(doc.phoneNumber).find((d) => simulator.connectionOf(d)) : undefined;
    if (!device) throw conflict('session_not_connected', `Session "${doc.name}" is not connected to the simulator (status: ${doc.status}).`);
    return device;
  };

  router.post('/:name/scan', async (ctx) => {
    const { phoneNumber: number, pushName } = bodyOf(ctx, scanBody);
    const device = await actions.scan(await sessionOf(ctx, organizationOf(ctx)), number, pushName);
    ctx.status = 201;
    ctx.body = { device: describe(device) };
  });

  router.post('/:name/messages', async (ctx) => {
    const { from, text } = bodyOf(ctx, inboundBody);
    const device = deviceOf(await sessionOf(ctx, organizationOf(ctx)));
    const contact = simulator.contact(from) ?? simulator.createContact(from, `Contact ${from.slice(-4)}`);
    const messageId = await contact.sendText(device, text);
    ctx.status = 201;
    ctx.body = { messageId, from: contact.jid, to: describe(device).jid };
  });

  router.get('/:name/contacts/:phoneNumber/messages', async (ctx) => {
    const device = deviceOf(await sessionOf(ctx, organizationOf(ctx)));
    const contact = simulator.contact(phoneNumber.parse(ctx.params.phoneNumber));
    const received = (contact?.received ?? []).filter((m) => m.from === describe(device).jid);
    ctx.body = { data: received.map((m) => ({ messageId: m.id, text: m.text ?? null, to: m.to })) };
  });

  router.post('/:name/receipts', async (ctx) => {
    const { from, messageId, type } = bodyOf(ctx, receiptBody);
    deviceOf(await sessionOf(ctx, organizationOf(ctx)));
    const contact = simulator.contact(from);
    const message = contact?.received.find((m) => m.id === messageId);
    if (!contact || !message) throw notFound('message_not_found', `${from} received no message ${messageId}.`);
    await contact.sendReceipt(message, type);
    ctx.body = { messageId, type };
  });

  router.post('/:name/phone-logout', async (ctx) => {
    const device = deviceOf(await sessionOf(ctx, organizationOf(ctx)));
    await simulator.logOut(device);
    ctx.body = { device: describe(device), loggedOut: true };
  });

  return router;
}
