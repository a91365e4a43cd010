import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import type { SessionManager } from '../../../sessions/sessionManager.ts';
import type { SessionDoc } from '../../../models/session.ts';
// Types only: the simulator itself is loaded (dynamically) only in sandbox mode.
import type { WhatsAppSimulator } from '../../../simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../../simulator/linkedDevice.ts';
import type { GroupMember, SimulatedGroup } from '../../../simulator/simulatedGroup.ts';
import { organizationOf, requireOrganization, type Authenticate } from '../../middleware/auth.ts';
import { bodyOf } from '../../validate.ts';
import { conflict, notFound } from '../../errors.ts';
import { sessionParams } from '../sessions/schemas.ts';
// The body schema only (zod, no simulator code): the actions are loaded in the handler.
import { contactAction } from '../../../simulator/contactActions.ts';

export const phoneNumber = z.string().regex(/^\d{6,15}$/, 'must be digits only, country code first (e.g. 15557001234)');
export const scanBody = z.object({ phoneNumber: phoneNumber.optional(), pushName: z.string().max(64).optional() }).strict();
export const inboundBody = z.intersection(z.object({ from: phoneNumber }), contactAction);
export const textBody = z.object({ from: phoneNumber, text: z.string().min(1).max(65_536) }).strict();
export const receiptBody = z.object({ from: phoneNumber, messageId: z.string().min(1).max(128), type: z.enum(['delivery', 'read']) }).strict();

// --- History sync (POST /:name/history-sync) ---
const historyMessage = z.object({ text: z.string().min(1).max(4_096), fromMe: z.boolean().optional() }).strict();
export const historySyncBody = z
  .object({ chats: z.array(z.object({ with: phoneNumber, messages: z.array(historyMessage).max(200) }).strict()).max(100).optional() })
  .strict();
// --- End of history sync ---

// --- Groups and status (POST /:name/groups…, POST /:name/status) ---
export const groupJid = z.string().regex(/^(\d{5,15}-\d{9,10}|\d{18})@g\.us$/, 'must be a group JID: <digits>-<digits>@g.us or 18 digits @g.us');
export const groupBody = z
  .object({
    subject: z.string().min(1).max(100),
    participants: z.array(phoneNumber).min(1).max(256),
    id: z.union([groupJid, z.string().regex(/^(\d{5,15}-\d{9,10}|\d{18})$/)]).optional(),
    addressingMode: z.enum(['pn', 'lid']).optional(),
  })
  .strict();
export const groupAddBody = z.object({ add: z.array(phoneNumber).min(1).max(256) }).strict();
// Loaded on first use, like the simulator itself: only a sandbox bridge ever reaches these routes.
const groups = () => import('../../../simulator/simulatedGroup.ts');
const statuses = () => import('../../../simulator/statusBroadcast.ts');
const channels = () => import('../../../simulator/channelPost.ts');
const linkedProfiles = () => import('../../../simulator/linkedProfiles.ts');
export const channelPostBody = z
  .object({ channel: z.string().regex(/^\d{6,24}@newsletter$/, 'must be a channel JID: <digits>@newsletter').optional(), text: z.string().min(1).max(65_536) })
  .strict();
export const linkedProfileBody = z.object({ contact: phoneNumber }).strict();
// --- End of groups and status ---

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
  return {
    jid: `${device.phone.phoneNumber}:${device.deviceId}@s.whatsapp.net`,
    phoneNumber: device.phone.phoneNumber,
    deviceId: device.deviceId,
    // What the session's Baileys asked for when it registered (receive.history "full").
    requiresFullSync: device.requiresFullSync === true,
  };
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
    const action = bodyOf(ctx, inboundBody);
    const device = deviceOf(await sessionOf(ctx, organizationOf(ctx)));
    const contact = simulator.contact(action.from) ?? simulator.createContact(action.from, `Contact ${action.from.slice(-4)}`);
    const { performContactAction, UnknownTarget } = await import('../../../simulator/contactActions.ts');
    let messageId: string;
    try {
      messageId = await performContactAction(contact, device, action);
    } catch (error) {
      if (error instanceof UnknownTarget) throw notFound('message_not_found', error.message);
      throw error;
    }
    ctx.status = 201;
    ctx.body = { messageId, kind: action.kind, from: contact.senderJid, to: describe(device).jid };
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

  // --- History sync: the session's phone sends it chats with contacts and their PN↔LID pairs. ---
  router.post('/:name/history-sync', async (ctx) => {
    const { chats } = bodyOf(ctx, historySyncBody);
    const doc = await sessionOf(ctx, organizationOf(ctx));
    const device = deviceOf(doc);
    // The device can drop between the check and the send: the same answer as when it was not there.
    const { messages, mappings } = await simulator.sendHistorySync(device, simulator.contactHistory(chats)).catch(() => {
      throw conflict('session_not_connected', `Session "${doc.name}" is not connected to the simulator (status: ${doc.status}).`);
    });
    ctx.status = 201;
    ctx.body = { to: describe(device).jid, messages, mappings };
  });
  // --- End of history sync ---

  // --- Groups and status: a group of contacts and the session's phone, its messages and notices; status posts. ---
  const contactFor = (number: string) => simulator.contact(number) ?? simulator.createContact(number, `Contact ${number.slice(-4)}`);
  const memberFor = (number: string): GroupMember => simulator.phone(number) ?? contactFor(number);
  const describeGroup = (group: SimulatedGroup) => ({
    jid: group.jid,
    subject: group.subject,
    addressingMode: group.addressing,
    participants: group.participants().map(({ member, role }) => ({ phoneNumber: member.phoneNumber, jid: member.jid, lid: member.lidJid, admin: role })),
  });
  /** The session's group: one its phone is not in is not found, as on WhatsApp. */
  const groupOf = async (ctx: { params: Record<string, string | undefined> }, device: LinkedDevice): Promise<SimulatedGroup> => {
    const jid = groupJid.parse(ctx.params.jid);
    const group = (await groups()).SimulatedGroup.find(simulator, jid);
    if (!group?.includes(device.phone.phoneNumber)) throw notFound('group_not_found', `No group ${jid} with this session's phone in it.`);
    return group;
  };
  const notConnected = (doc: SessionDoc) => () => {
    throw conflict('session_not_connected', `Session "${doc.name}" is not connected to the simulator (status: ${doc.status}).`);
  };

  router.post('/:name/groups', async (ctx) => {
    const { subject, participants, id, addressingMode } = bodyOf(ctx, groupBody);
    const device = deviceOf(await sessionOf(ctx, organizationOf(ctx)));
    const { SimulatedGroup } = await groups();
    if (id && SimulatedGroup.find(simulator, id.endsWith('@g.us') ? id : `${id}@g.us`)) throw conflict('group_exists', `Group ${id} exists.`);
    const members = [...new Set([...participants.map(memberFor), device.phone])];
    ctx.status = 201;
    ctx.body = describeGroup(SimulatedGroup.create(simulator, { subject, members, id, addressing: addressingMode }));
  });

  router.post('/:name/groups/:jid/messages', async (ctx) => {
    const { from, text } = bodyOf(ctx, textBody);
    const doc = await sessionOf(ctx, organizationOf(ctx));
    const device = deviceOf(doc);
    const group = await groupOf(ctx, device);
    const contact = simulator.contact(from);
    if (!contact || !group.includes(from)) throw conflict('not_a_participant', `${from} is not a contact in ${group.jid}.`);
    const { id } = await group.sendText(contact, device, text).catch(notConnected(doc));
    ctx.status = 201;
    ctx.body = { messageId: id, group: group.jid, from: group.jidOf(contact), to: describe(device).jid };
  });

  router.post('/:name/groups/:jid/participants', async (ctx) => {
    const { add } = bodyOf(ctx, groupAddBody);
    const doc = await sessionOf(ctx, organizationOf(ctx));
    const device = deviceOf(doc);
    const group = await groupOf(ctx, device);
    const notificationId = await group.addParticipants(add.map(memberFor), device).catch(notConnected(doc));
    ctx.body = { notificationId: notificationId ?? null, ...describeGroup(group) };
  });

  router.post('/:name/status', async (ctx) => {
    const { from, text } = bodyOf(ctx, textBody);
    const doc = await sessionOf(ctx, organizationOf(ctx));
    const device = deviceOf(doc);
    const contact = contactFor(from);
    const { id } = await (await statuses()).postStatus(simulator, contact, device, text).catch(notConnected(doc));
    ctx.status = 201;
    ctx.body = { messageId: id, from: contact.jid, to: describe(device).jid };
  });

  router.post('/:name/channel-posts', async (ctx) => {
    const { channel, text } = bodyOf(ctx, channelPostBody);
    const doc = await sessionOf(ctx, organizationOf(ctx));
    const device = deviceOf(doc);
    const posted = await (await channels()).postToChannel(simulator, device, { channel, text }).catch(notConnected(doc));
    ctx.status = 201;
    ctx.body = { messageId: posted.id, channel: posted.channel, to: describe(device).jid };
  });

  router.post('/:name/linked-profiles', async (ctx) => {
    const { contact } = bodyOf(ctx, linkedProfileBody);
    const doc = await sessionOf(ctx, organizationOf(ctx));
    const device = deviceOf(doc);
    const known = simulator.contact(contact);
    if (!known) throw notFound('contact_not_found', `No simulated contact ${contact}.`);
    const sent = await (await linkedProfiles()).sendLinkedProfile(simulator, device, known).catch(notConnected(doc));
    ctx.status = 201;
    ctx.body = { notificationId: sent.id, lid: sent.lid, pn: sent.pn, to: describe(device).jid };
  });
  // --- End of groups and status ---

  return router;
}
