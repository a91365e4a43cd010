import { randomBytes, randomInt } from 'node:crypto';
import { proto, type BinaryNode } from '@whiskeysockets/baileys';
import { deviceJid, type LinkedDevice } from './linkedDevice.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

/** A channel (newsletter) the account follows; a new one gets an 18-digit id like WhatsApp's. */
export const newChannelJid = (): string => `1203633${String(randomInt(1e10, 1e11))}@newsletter`;

/**
 * A post in a channel the account follows, as WhatsApp delivers it to a linked device: channel
 * posts are not end-to-end encrypted, so the stanza carries the message protobuf as `plaintext`:
 * `<message from="<id>@newsletter" id t type="text" server_id><plaintext>…</plaintext></message>`.
 * Baileys (decode-wa-message.js) reads it in decodeMessageNode's isJidNewsletter branch
 * (key.remoteJid the channel, `server_id` kept on the key) and decryptMessageNode's `plaintext`
 * case (decoded without unpadding); messages-recv.js answers it with a plain `<ack>`, no receipt.
 */
export async function postToChannel(
  simulator: WhatsAppSimulator,
  to: LinkedDevice,
  post: { channel?: string; text: string; id?: string },
): Promise<{ id: string; channel: string; serverId: string }> {
  const channel = post.channel ?? newChannelJid();
  const id = post.id ?? `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
  const serverId = String(randomInt(100, 1e6));
  const node: BinaryNode = {
    tag: 'message',
    attrs: { from: channel, id, t: String(Math.floor(Date.now() / 1000)), type: 'text', server_id: serverId },
    content: [{ tag: 'plaintext', attrs: {}, content: proto.Message.encode({ conversation: post.text }).finish() }],
  };
  if (!(await simulator.deliverTo(to, node))) throw new Error(`the device ${deviceJid(to)} is not connected`);
  return { id, channel, serverId };
}
