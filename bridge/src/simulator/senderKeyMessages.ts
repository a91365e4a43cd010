import { getBinaryNodeChild, getBinaryNodeChildren, jidDecode, encodeWAMessage, proto, unpadRandomMax16, type BinaryNode } from '@whiskeysockets/baileys';
import { textOf, type ReceivedMessage, type SimulatedContact } from './simulatedContact.ts';
import { deviceJid, type LinkedDevice } from './linkedDevice.ts';
import type { SenderAddress } from './senderKeys.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

/** The `enc` types a sender-key message carried: the SKDM's (`pkmsg`/`msg`) if any, then `skmsg`. */
export type SenderKeyEncTypes = ('pkmsg' | 'msg' | 'skmsg')[];

/**
 * A contact's message to a group or to status@broadcast, as WhatsApp delivers it to one device:
 * `<message from="<chat>" participant=…>` with, the first time this contact's chain reaches the
 * device, an `enc` pkmsg/msg holding its SenderKeyDistributionMessage (Signal 1:1), then the
 * content as `enc type="skmsg"` under the chain. Baileys (decode-wa-message.js, decryptMessageNode)
 * decrypts the pkmsg first, processes the SKDM, then reads the skmsg with it.
 */
export async function deliverSenderKeyMessage(
  simulator: WhatsAppSimulator,
  from: SimulatedContact,
  to: LinkedDevice,
  envelope: { chat: string; attrs: Record<string, string>; id: string; message: proto.IMessage },
): Promise<SenderKeyEncTypes> {
  const { chat, id } = envelope;
  // Checked first: encrypting for a device that then does not get it would advance the ratchets for
  // nothing. Unless the server keeps it for the device's next login (queueWhileOffline).
  if (!simulator.connectionOf(to) && !simulator.queueWhileOffline) throw new Error(`${deviceJid(to)} is not connected`);
  const self: SenderAddress = { user: from.phoneNumber, device: 0 };
  const content: BinaryNode[] = [];
  const encTypes: SenderKeyEncTypes = [];
  const skdm = await from.senderKeys.distribution(chat, self);
  const distribute = !from.senderKeys.distributedTo(chat, deviceJid(to));
  if (distribute) {
    const plaintext = encodeWAMessage(proto.Message.fromObject({ senderKeyDistributionMessage: { groupId: chat, axolotlSenderKeyDistributionMessage: skdm } }));
    const { type, ciphertext } = await from.signal.encrypt(to.phone.phoneNumber, to.deviceId, plaintext, () => to.keys);
    content.push({ tag: 'enc', attrs: { v: '2', type }, content: ciphertext });
    encTypes.push(type);
  }
  const skmsg = await from.senderKeys.encrypt(chat, self, encodeWAMessage(proto.Message.fromObject(envelope.message)));
  content.push({ tag: 'enc', attrs: { v: '2', type: 'skmsg' }, content: skmsg });
  encTypes.push('skmsg');
  const node: BinaryNode = {
    tag: 'message',
    attrs: { from: chat, ...envelope.attrs, id, type: 'text', t: String(Math.floor(Date.now() / 1000)), notify: from.pushName },
    content,
  };
  if (!(await simulator.deliverTo(to, node))) throw new Error(`${deviceJid(to)} is not connected`);
  if (distribute) from.senderKeys.markDistributed(chat, deviceJid(to));
  simulator.changed();
  return encTypes;
}

/** Who a sender-key message sent by a device may reach, and the JID each is known by in that chat. */
export interface SenderKeyRecipient {
  contact: SimulatedContact;
  participant: string;
}

/**
 * A device sent to a group or to status@broadcast (Baileys' relayMessage, group branch): the
 * `<participants><to jid>` entries carry its SKDM, Signal-encrypted for each device that lacked
 * it; the one `enc type="skmsg"` is the content for everyone. Each recipient contact processes its
 * SKDM, then reads the skmsg with Baileys' own GroupCipher; the companion's own phone decrypts its
 * copy only to keep the Signal session in step.
 */
export async function receiveSenderKeyMessage(
  simulator: WhatsAppSimulator,
  from: LinkedDevice,
  node: BinaryNode,
  recipients: SenderKeyRecipient[],
): Promise<ReceivedMessage[]> {
  const chat = node.attrs.to;
  const author: SenderAddress = { user: from.phone.phoneNumber, device: from.deviceId };
  for (const target of getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')) {
    const enc = getBinaryNodeChild(target, 'enc');
    const decoded = jidDecode(target.attrs.jid);
    if (!(enc?.content instanceof Uint8Array) || !decoded || (decoded.device ?? 0) !== 0) continue;
    const contact = simulator.contact(decoded.user);
    const phone = from.phone;
    const endpoint = contact?.signal ?? (decoded.user === phone.phoneNumber || decoded.user === phone.lid ? phone.signal : undefined);
    if (!endpoint) continue;
    const plaintext = await endpoint.decrypt(author.user, author.device, enc.attrs.type ?? '', enc.content);
    const skdm = proto.Message.decode(unpadRandomMax16(plaintext)).senderKeyDistributionMessage;
    if (contact && skdm?.axolotlSenderKeyDistributionMessage) {
      await contact.senderKeys.process(skdm.groupId ?? chat, author, skdm.axolotlSenderKeyDistributionMessage);
    }
  }
  const skmsg = getBinaryNodeChildren(node, 'enc').find((enc) => enc.attrs.type === 'skmsg');
  if (!(skmsg?.content instanceof Uint8Array)) return [];
  const received: ReceivedMessage[] = [];
  for (const { contact, participant } of recipients) {
    // A contact the device never distributed its chain to cannot read it (nor could a real phone).
    if (!contact.senderKeys.has(chat, author)) continue;
    const message = proto.Message.decode(unpadRandomMax16(await contact.senderKeys.decrypt(chat, author, skmsg.content)));
    const copy: ReceivedMessage = { id: node.attrs.id, from: deviceJid(from), to: chat, message, text: textOf(message), encType: 'skmsg' };
    contact.acceptSenderKeyMessage(copy, participant);
    received.push(copy);
  }
  return received;
}
