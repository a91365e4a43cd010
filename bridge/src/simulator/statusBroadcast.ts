import { randomBytes } from 'node:crypto';
import type { BinaryNode } from '@whiskeysockets/baileys';
import type { ReceivedMessage, SimulatedContact } from './simulatedContact.ts';
import type { LinkedDevice } from './linkedDevice.ts';
import { deliverSenderKeyMessage, receiveSenderKeyMessage, type SenderKeyEncTypes } from './senderKeyMessages.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

/** Where statuses go: a broadcast list every contact reads, with its own sender keys. */
export const STATUS_JID = 'status@broadcast';

/**
 * A contact posts a text status; `to` (a device of an account that has the contact) sees it.
 * WhatsApp sends it like a group message from status@broadcast (decode-wa-message.js: the
 * isJidBroadcast branch, key.remoteJid status@broadcast, key.participant the poster).
 */
export async function postStatus(
  simulator: WhatsAppSimulator,
  from: SimulatedContact,
  to: LinkedDevice,
  text: string,
  id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
): Promise<{ id: string; encTypes: SenderKeyEncTypes }> {
  const message = { conversation: text };
  const encTypes = await deliverSenderKeyMessage(simulator, from, to, { chat: STATUS_JID, attrs: { participant: from.jid }, id, message });
  return { id, encTypes };
}

/** A device posted a status (sendMessage to status@broadcast with a statusJidList): the contacts it gave its sender key read it. */
export async function receiveStatus(simulator: WhatsAppSimulator, from: LinkedDevice, node: BinaryNode): Promise<ReceivedMessage[]> {
  return receiveSenderKeyMessage(simulator, from, node, simulator.contacts().map((contact) => ({ contact, participant: contact.jid })));
}
