import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';
import type { SimulatedContact } from './simulatedContact.ts';
import { contactAction, performContactAction, UnknownTarget } from './contactActions.ts';
import { deviceJid, type LinkedDevice } from './linkedDevice.ts';
import { isSimulatedGroupJid, SimulatedGroup, type GroupMember } from './simulatedGroup.ts';
import { postStatus } from './statusBroadcast.ts';
import { postToChannel } from './channelPost.ts';
import { sendLinkedProfile } from './linkedProfiles.ts';
import { OfflineQueueFullError } from './offlineQueue.ts';
import { BurstInterruptedError } from './whatsAppSimulator.ts';

class ControlError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const phoneNumber = z.string().regex(/^\d{6,15}$/, 'must be 6–15 digits, no +');

const scanBody = z.object({ qr: z.string().min(10), phoneNumber: phoneNumber.optional(), pushName: z.string().max(64).optional() });
const pairingCodeBody = z.object({ phoneNumber, code: z.string().regex(/^[0-9A-Za-z-]{8,9}$/, 'must be the 8-character code') });
const contactBody = z.object({ phoneNumber: phoneNumber.optional(), name: z.string().max(64).optional() });
const messageBody = z.intersection(
  z.object({ from: phoneNumber, to: z.string().min(3), id: z.string().regex(/^[A-Za-z0-9]{8,64}$/).optional() }),
  contactAction,
);
const receiptBody = z.object({ from: phoneNumber, id: z.string().min(1), type: z.enum(['delivery', 'read']) });
const redeliverBody = z.object({ from: phoneNumber, id: z.string().min(1) });

// --- History sync (POST /control/history-sync) ---
const historySyncBody = z.object({
  to: z.string().min(3),
  chats: z
    .array(z.object({ with: phoneNumber, messages: z.array(z.object({ text: z.string().min(1).max(4_096), fromMe: z.boolean().optional() })).max(200) }))
    .max(100)
    .optional(),
});
// --- End of history sync ---

// --- Groups and status (POST /control/groups…, POST /control/status) ---
const groupBody = z.object({
  subject: z.string().min(1).max(100),
  participants: z.array(phoneNumber).min(1).max(256),
  /** A group JID (`<digits>-<digits>@g.us`, 18 digits `@g.us`) or its user part; default a new 18-digit one. */
  id: z.string().regex(/^(\d{5,15}-\d{9,10}|\d{18})(@g\.us)?$/, 'must be <digits>-<digits> or 18 digits, optionally @g.us').optional(),
  /** The linked account in the group (default: a phone among `participants`, else the control API's phone). */
  phoneNumber: phoneNumber.optional(),
  addressingMode: z.enum(['pn', 'lid']).optional(),
});
/** A group message and a status post are addressed like a 1:1 message: from a contact, to a device. */
const textBody = z.object({ from: phoneNumber, to: z.string().min(3), text: z.string().min(1).max(65_536), id: z.string().regex(/^[A-Za-z0-9]{8,64}$/).optional() });
const groupMessageBody = textBody;
const statusBody = textBody;
const groupAddBody = z.object({ add: z.array(phoneNumber).min(1).max(256), to: z.string().min(3), by: phoneNumber.optional() });

const channelJid = z.string().regex(/^\d{6,24}@newsletter$/, 'must be a channel JID: <digits>@newsletter');
const channelPostBody = z.object({ to: z.string().min(3), channel: channelJid.optional(), text: z.string().min(1).max(65_536), id: z.string().regex(/^[A-Za-z0-9]{8,64}$/).optional() });
/** The server names the phone number of a contact's LID (`contact`: its phone number). */
const linkedProfileBody = z.object({ to: z.string().min(3), contact: phoneNumber });

function describeGroup(group: SimulatedGroup) {
  return {
    jid: group.jid,
    subject: group.subject,
    addressingMode: group.addressing,
    participants: group.participants().map(({ member, role }) => ({ phoneNumber: member.phoneNumber, jid: member.jid, lid: member.lidJid, admin: role })),
  };
}
// --- End of groups and status ---

// --- Offline queue (POST /control/burst, GET /control/devices/:jid/pending) ---
const burstBody = z.object({
  from: phoneNumber,
  to: z.string().min(3),
  count: z.number().int().min(1).max(5_000),
  /** The texts are `<text> 1` … `<text> <count>`. */
  text: z.string().min(1).max(1_024).optional(),
});

/** Why a delivery was refused: the device's queue is full (507), or it is offline and nothing queues (409). */
function deliveryRefused(error: unknown): ControlError {
  const cause = error instanceof BurstInterruptedError ? error.cause : error;
  if (cause instanceof OfflineQueueFullError) return new ControlError(507, 'offline_queue_full', (error as Error).message);
  return new ControlError(409, 'device_offline', (error as Error).message);
}
// --- End of offline queue ---

const MAX_BODY = 256 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ControlError(413, 'payload_too_large', 'body over 256 KB');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlError(400, 'invalid_json', 'body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ControlError(400, 'validation_failed', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

function describeDevice(simulator: WhatsAppSimulator, device: LinkedDevice) {
  return {
    jid: deviceJid(device),
    phoneNumber: device.phone.phoneNumber,
    deviceId: device.deviceId,
    online: simulator.connectionOf(device) !== undefined,
  };
}

function describeContact(contact: SimulatedContact) {
  return { phoneNumber: contact.phoneNumber, jid: contact.jid, lid: contact.lidJid, name: contact.pushName };
}

/**
 * The sandbox's control API, served beside the simulated WhatsApp socket: act as the phone
 * (scan a QR, log a device out) and as contacts (send, read), and see what contacts received.
 * JSON in and out; errors as {"error": {"code", "message"}} like the bridge's API.
 */
export function controlApi(defaultPhoneNumber = '15550000000') {
  async function handle(req: IncomingMessage, res: ServerResponse, sim: WhatsAppSimulator): Promise<unknown> {
    const phoneFor = (number: string | undefined, pushName?: string) =>
      sim.phone(number ?? defaultPhoneNumber) ?? sim.createPhone(number ?? defaultPhoneNumber, pushName ?? 'Sandbox Phone');
    const contactFor = (number: string) => sim.contact(number) ?? sim.createContact(number, `Contact ${number.slice(-4)}`);
    const deviceFor = (to: string): LinkedDevice => {
      const device = sim.device(to) ?? sim.devicesOf(to.split('@')[0]).find((d) => sim.connectionOf(d));
      if (!device) throw new ControlError(404, 'device_not_found', `no linked device ${to}`);
      return device;
    };
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    let match: RegExpExecArray | null;

    if (method === 'GET' && path === '/control') {
      return {
        sandbox: true,
        webSocketUrl: sim.url,
        devices: sim.devices().map((d) => describeDevice(sim, d)),
        contacts: sim.contacts().map(describeContact),
      };
    }
    if (method === 'POST' && path === '/control/scan') {
      const body = parse(scanBody, await readJson(req));
      const phone = phoneFor(body.phoneNumber, body.pushName);
      try {
        const device = await sim.scan(body.qr, phone);
        res.statusCode = 201;
        return { device: describeDevice(sim, device) };
      } catch (error) {
        throw new ControlError(404, 'qr_not_showing', (error as Error).message);
      }
    }
    if (method === 'POST' && path === '/control/pairing-code') {
      const body = parse(pairingCodeBody, await readJson(req));
      try {
        const device = await sim.enterPairingCode(phoneFor(body.phoneNumber), body.code);
        res.statusCode = 201;
        return { device: describeDevice(sim, device) };
      } catch (error) {
        throw new ControlError(404, 'pairing_code_rejected', (error as Error).message);
      }
    }
    if (method === 'POST' && path === '/control/contacts') {
      const body = parse(contactBody, await readJson(req));
      const contact = body.phoneNumber ? sim.contact(body.phoneNumber) : undefined;
      res.statusCode = contact ? 200 : 201;
      return describeContact(contact ?? sim.createContact(body.phoneNumber, body.name));
    }
    if (method === 'POST' && path === '/control/messages') {
      const body = parse(messageBody, await readJson(req));
      const contact = contactFor(body.from);
      const device = deviceFor(body.to);
      try {
        const id = await performContactAction(contact, device, body, body.id);
        res.statusCode = 201;
        return { id, kind: body.kind, from: contact.senderJid, to: deviceJid(device) };
      } catch (error) {
        if (error instanceof UnknownTarget) throw new ControlError(404, 'message_not_found', error.message);
        throw deliveryRefused(error);
      }
    }
    if (method === 'POST' && path === '/control/messages/redeliver') {
      const body = parse(redeliverBody, await readJson(req));
      const contact = sim.contact(body.from);
      if (!contact) throw new ControlError(404, 'contact_not_found', `no contact ${body.from}`);
      await contact.redeliver(body.id).catch((error: Error) => {
        throw new ControlError(404, 'message_not_found', error.message);
      });
      return { id: body.id };
    }
    if (method === 'POST' && path === '/control/receipts') {
      const body = parse(receiptBody, await readJson(req));
      const contact = sim.contact(body.from);
      const message = contact?.received.find((m) => m.id === body.id);
      if (!contact || !message) throw new ControlError(404, 'message_not_found', `${body.from} received no message ${body.id}`);
      await contact.sendReceipt(message, body.type);
      return { id: body.id, type: body.type };
    }
    if (method === 'GET' && (match = /^\/control\/contacts\/(\d+)\/messages$/.exec(path))) {
      const contact = sim.contact(match[1]);
      if (!contact) throw new ControlError(404, 'contact_not_found', `no contact ${match[1]}`);
      return { data: contact.received.map((m) => ({ id: m.id, from: m.from, to: m.to, text: m.text, encType: m.encType })) };
    }
    if (method === 'POST' && (match = /^\/control\/devices\/([^/]+)\/(logout|replace)$/.exec(path))) {
      const device = sim.device(decodeURIComponent(match[1]));
      if (!device) throw new ControlError(404, 'device_not_found', `no linked device ${match[1]}`);
      if (match[2] === 'logout') await sim.logOut(device);
      else await sim.replace(device);
      return { device: deviceJid(device), done: match[2] };
    }
    if (method === 'POST' && path === '/control/drop') {
      sim.dropConnections();
      return { dropped: true };
    }
    // --- History sync: the phone sends the device chats with contacts and their PN↔LID pairs. ---
    if (method === 'POST' && path === '/control/history-sync') {
      const body = parse(historySyncBody, await readJson(req));
      const device = deviceFor(body.to);
      try {
        const { messages, mappings } = await sim.sendHistorySync(device, sim.contactHistory(body.chats));
        res.statusCode = 201;
        return { to: deviceJid(device), messages, mappings };
      } catch (error) {
        throw new ControlError(409, 'device_offline', (error as Error).message);
      }
    }
    // --- End of history sync ---
    // --- Groups and status: a group of contacts and the linked account, its messages and notices; status posts. ---
    const memberFor = (number: string): GroupMember => sim.phone(number) ?? contactFor(number);
    const groupFor = (jid: string): SimulatedGroup => {
      if (!isSimulatedGroupJid(jid)) throw new ControlError(400, 'validation_failed', `jid: ${jid} is not a group JID`);
      const group = SimulatedGroup.find(sim, jid);
      if (!group) throw new ControlError(404, 'group_not_found', `no group ${jid}`);
      return group;
    };
    const offline = (error: unknown) => new ControlError(409, 'device_offline', (error as Error).message);
    if (method === 'GET' && path === '/control/groups') {
      return { data: SimulatedGroup.all(sim).map(describeGroup) };
    }
    if (method === 'POST' && path === '/control/groups') {
      const body = parse(groupBody, await readJson(req));
      const listed = body.participants.map(memberFor);
      // The linked account is in its groups: the one named, else a phone listed, else the default phone.
      const account = body.phoneNumber || !listed.some((m) => sim.phone(m.phoneNumber) === m) ? [phoneFor(body.phoneNumber)] : [];
      const members = [...new Set([...listed, ...account])];
      if (body.id && SimulatedGroup.find(sim, body.id.endsWith('@g.us') ? body.id : `${body.id}@g.us`)) {
        throw new ControlError(409, 'group_exists', `group ${body.id} exists`);
      }
      const group = SimulatedGroup.create(sim, { subject: body.subject, members, id: body.id, addressing: body.addressingMode });
      res.statusCode = 201;
      return describeGroup(group);
    }
    if (method === 'POST' && (match = /^\/control\/groups\/([^/]+)\/(messages|participants)$/.exec(path))) {
      const group = groupFor(decodeURIComponent(match[1]));
      if (match[2] === 'messages') {
        const body = parse(groupMessageBody, await readJson(req));
        const device = deviceFor(body.to);
        const contact = sim.contact(body.from);
        if (!contact || !group.includes(contact.phoneNumber)) throw new ControlError(409, 'not_a_participant', `${body.from} is not a contact in ${group.jid}`);
        if (!group.includes(device.phone.phoneNumber)) throw new ControlError(409, 'not_a_participant', `${device.phone.phoneNumber} is not in ${group.jid}`);
        const { id } = await group.sendText(contact, device, body.text, body.id).catch((error: unknown) => {
          throw offline(error);
        });
        res.statusCode = 201;
        return { id, group: group.jid, from: group.jidOf(contact), to: deviceJid(device) };
      }
      const body = parse(groupAddBody, await readJson(req));
      const device = deviceFor(body.to);
      if (!group.includes(device.phone.phoneNumber)) throw new ControlError(409, 'not_a_participant', `${device.phone.phoneNumber} is not in ${group.jid}`);
      const by = body.by ? group.participants().find(({ member }) => member.phoneNumber === body.by)?.member : group.creator;
      if (!by) throw new ControlError(409, 'not_a_participant', `${body.by} is not in ${group.jid}`);
      const id = await group.addParticipants(body.add.map(memberFor), device, by).catch((error: unknown) => {
        throw offline(error);
      });
      return { id: id ?? null, ...describeGroup(group) };
    }
    if (method === 'POST' && path === '/control/status') {
      const body = parse(statusBody, await readJson(req));
      const contact = contactFor(body.from);
      const device = deviceFor(body.to);
      const { id } = await postStatus(sim, contact, device, body.text, body.id).catch((error: unknown) => {
        throw offline(error);
      });
      res.statusCode = 201;
      return { id, from: contact.jid, to: deviceJid(device) };
    }
    if (method === 'POST' && path === '/control/channel-posts') {
      const body = parse(channelPostBody, await readJson(req));
      const device = deviceFor(body.to);
      const posted = await postToChannel(sim, device, body).catch((error: unknown) => {
        throw offline(error);
      });
      res.statusCode = 201;
      return { ...posted, to: deviceJid(device) };
    }
    if (method === 'POST' && path === '/control/linked-profiles') {
      const body = parse(linkedProfileBody, await readJson(req));
      const device = deviceFor(body.to);
      const sent = await sendLinkedProfile(sim, device, contactFor(body.contact)).catch((error: unknown) => {
        throw offline(error);
      });
      res.statusCode = 201;
      return { ...sent, to: deviceJid(device) };
    }
    // --- End of groups and status ---
    // --- Offline queue: a burst of texts from a contact; how many stanzas a device has not acknowledged. ---
    if (method === 'POST' && path === '/control/burst') {
      const body = parse(burstBody, await readJson(req));
      const contact = contactFor(body.from);
      const device = deviceFor(body.to);
      const ids = await sim.burst(contact, device, body.count, body.text).catch((error: unknown) => {
        throw deliveryRefused(error);
      });
      res.statusCode = 201;
      return { ids };
    }
    if (method === 'GET' && (match = /^\/control\/devices\/([^/]+)\/pending$/.exec(path))) {
      const device = sim.device(decodeURIComponent(match[1]));
      if (!device) throw new ControlError(404, 'device_not_found', `no linked device ${match[1]}`);
      return { pending: sim.pendingFor(device).length };
    }
    // --- End of offline queue ---
    throw new ControlError(404, 'not_found', `no control route ${method} ${path}`);
  }

  return function controlRequest(req: IncomingMessage, res: ServerResponse, sim: WhatsAppSimulator): void {
    handle(req, res, sim)
      .then((body) => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-WhatsApp-Sandbox', 'true');
        res.end(JSON.stringify(body));
      })
      .catch((error: unknown) => {
        const known = error instanceof ControlError ? error : new ControlError(500, 'internal_error', 'the simulator failed');
        res.statusCode = known.status;
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-WhatsApp-Sandbox', 'true');
        res.end(JSON.stringify({ error: { code: known.code, message: known.message } }));
      });
  };
}
