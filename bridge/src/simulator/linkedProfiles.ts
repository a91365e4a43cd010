import { randomInt } from 'node:crypto';
import type { BinaryNode } from '@whiskeysockets/baileys';
import { deviceJid, type LinkedDevice } from './linkedDevice.ts';
import type { SimulatedContact } from './simulatedContact.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

/**
 * The server tells a device which phone number a LID belongs to: a `mex` notification with the
 * `NotificationLinkedProfilesUpdates` operation, its JSON payload the GraphQL push
 * `{data: {xwa2_notify_linked_profiles: {jid: <lid>, added_profiles: [{pn}]}}}`.
 * Baileys rc14 (messages-recv.js) reads it in handleMexNotification (the `<update op_name>` child,
 * JSON with `data`), then handleLegacyMexNewsletterNotification, which takes `op_name` as the
 * operation and `data.xwa2_notify_linked_profiles` as the update, emits `lid-mapping.update`
 * `{lid, pn}` per added profile and stores the pairs in `signalRepository.lidMapping`. This and
 * app-state sync (pnForLidChatAction) are the only places rc14 emits `lid-mapping.update`.
 */
export async function sendLinkedProfile(simulator: WhatsAppSimulator, to: LinkedDevice, contact: SimulatedContact): Promise<{ id: string; lid: string; pn: string }> {
  const id = String(randomInt(1e9, 1e10));
  const payload = { data: { xwa2_notify_linked_profiles: { jid: contact.lidJid, added_profiles: [{ pn: contact.jid }] } } };
  const node: BinaryNode = {
    tag: 'notification',
    attrs: { from: 's.whatsapp.net', type: 'mex', id, t: String(Math.floor(Date.now() / 1000)) },
    content: [{ tag: 'update', attrs: { op_name: 'NotificationLinkedProfilesUpdates' }, content: Buffer.from(JSON.stringify(payload)) }],
  };
  if (!(await simulator.deliverTo(to, node))) throw new Error(`the device ${deviceJid(to)} is not connected`);
  return { id, lid: contact.lidJid, pn: contact.jid };
}
