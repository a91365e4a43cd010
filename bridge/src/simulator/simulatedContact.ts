import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { encodeWAMessage, proto, unpadRandomMax16, type BinaryNode } from '@whiskeysockets/baileys';
import { pollVote, type SimulatedPoll } from './pollVote.ts';
import { SignalEndpoint, type EncType, type SignalEndpointState } from './signalEndpoint.ts';
import type { LinkedDevice } from './linkedDevice.ts';
import { deviceJid } from './linkedDevice.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';
import { SenderKeys } from './senderKeys.ts';

/** A message the contact received from a linked device, decrypted on the contact's side. */
export interface ReceivedMessage {
  id: string;
  /** The sending device (`<phone>:<device>@s.whatsapp.net`). */
  from: string;
  /** The chat JID the client addressed (phone-number or LID form). */
  to: string;
  message: proto.IMessage;
  text: string | undefined;
  /** `pkmsg` when the sender started a new Signal session with this message, else `msg`. */
  encType: string;
}

/** A stanza the contact delivered to a device, as sent on the wire. */
export interface DeliveredMessage {
  id: string;
  encType: EncType;
}

export type ReceiptType = 'delivery' | 'read';

/** A message encrypted ahead of sending (SimulatedContact.prepareText / sendPrepared). */
export interface PreparedMessage {
  id: string;
  to: LinkedDevice;
  type: EncType;
  enc: BinaryNode;
}

/**
 * How WhatsApp addresses this contact's stanzas: by phone number (`<pn>@s.whatsapp.net`), or by
 * LID (`<lid>@lid`, `addressing_mode="lid"`), with `sender_pn` when the contact shares its number.
 * Baileys reads these in decodeMessageNode / extractAddressingContext (decode-wa-message.js):
 * key.remoteJid is the LID and key.remoteJidAlt the `sender_pn`.
 */
export type Addressing = 'pn' | 'lid';

/** Which message of a chat another message refers to, from the contact's point of view. */
export interface TargetMessage {
  id: string;
  /** True when the contact sent the target; false when the linked device did. */
  sentByContact: boolean;
}

export interface SimulatedContactState {
  phoneNumber: string;
  pushName: string;
  lid: string;
  signal: SignalEndpointState;
}

interface ContactEvents {
  message: [ReceivedMessage];
}

/** How many sent and received messages a contact remembers (for redelivery and the control API). */
const HISTORY_LIMIT = 1_000;

export function textOf(message: proto.IMessage): string | undefined {
  return message.conversation ?? message.extendedTextMessage?.text ?? undefined;
}

/**
 * Someone the linked device chats with. Holds a real Signal identity, so what it sends is
 * encrypted exactly as a phone would, and what it receives is only readable if Baileys encrypted
 * it correctly.
 */
export class SimulatedContact extends EventEmitter<ContactEvents> {
  readonly phoneNumber: string;
  readonly lid: string;
  readonly pushName: string;
  readonly signal: SignalEndpoint;
  readonly received: ReceivedMessage[] = [];
  readonly delivered: DeliveredMessage[] = [];
  /** Send a delivery receipt when a message is decrypted, as a phone that is online does. */
  autoDeliveryReceipts = true;
  /**
   * How long the phone takes to confirm delivery. Not zero: Baileys emits its own copy of a sent
   * message only after sendMessage resolves, and a receipt arriving before that is folded into it.
   */
  deliveryReceiptDelayMs = 250;
  addressing: Addressing = 'pn';
  /** With LID addressing: whether stanzas carry `sender_pn` (the contact's phone number). */
  sharesPhoneNumber = true;
  /** Answer a device's retry receipt by sending the message again (a phone that is online does). */
  answersRetries = true;
  /** Polls this contact created, by message id (their secret decrypts the votes). */
  readonly polls = new Map<string, SimulatedPoll>();
  readonly #simulator: WhatsAppSimulator;
  readonly #sent = new Map<string, { device: LinkedDevice; plaintext: Uint8Array; attrs: Record<string, string> }>();

  constructor(simulator: WhatsAppSimulator, phoneNumber: string, pushName: string, restored?: { lid: string; signal: SignalEndpointState }) {
    super();
    this.#simulator = simulator;
    this.phoneNumber = phoneNumber;
    this.pushName = pushName;
    this.lid = restored?.lid ?? String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100_000, 999_999));
    this.signal = new SignalEndpoint(restored?.signal);
  }

  state(): SimulatedContactState {
    return { phoneNumber: this.phoneNumber, pushName: this.pushName, lid: this.lid, signal: this.signal.state() };
  }

  get jid(): string {
    return `${this.phoneNumber}@s.whatsapp.net`;
  }

  get lidJid(): string {
    return `${this.lid}@lid`;
  }

  /** The address this contact's stanzas come from. */
  get senderJid(): string {
    return this.addressing === 'lid' ? this.lidJid : this.jid;
  }

  /** The chat as the contact's phone names it in message keys: the linked account. */
  #chatOf(to: LinkedDevice): string {
    return this.addressing === 'lid' ? to.phone.lidJid : to.phone.jid;
  }

  #keyOf(to: LinkedDevice, target: TargetMessage): proto.IMessageKey {
    return { remoteJid: this.#chatOf(to), fromMe: target.sentByContact, id: target.id };
  }

  /** WhatsApp's edit: a MESSAGE_EDIT protocol message naming the original (process-message.js). */
  async sendEdit(to: LinkedDevice, targetId: string, text: string): Promise<string> {
    return this.sendMessage(to, {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
        key: this.#keyOf(to, { id: targetId, sentByContact: true }),
        editedMessage: { conversation: text },
        timestampMs: Date.now(),
      },
    }, undefined, { edit: '1' });
  }

  /** "Delete for everyone": a REVOKE protocol message naming the original. */
  async sendRevoke(to: LinkedDevice, targetId: string): Promise<string> {
    return this.sendMessage(to, {
      protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE, key: this.#keyOf(to, { id: targetId, sentByContact: true }) },
    }, undefined, { edit: '7' });
  }

  /** A reaction (an empty emoji removes it) to a message of the chat. */
  async sendReaction(to: LinkedDevice, target: TargetMessage, emoji: string): Promise<string> {
    return this.sendMessage(to, { reactionMessage: { key: this.#keyOf(to, target), text: emoji, senderTimestampMs: Date.now() } });
  }

  /** A poll, with the secret (messageContextInfo.messageSecret) its votes are encrypted with. */
  async sendPoll(to: LinkedDevice, name: string, options: string[], selectableCount = 1): Promise<string> {
    const secret = randomBytes(32);
    const id = await this.sendMessage(to, {
      messageContextInfo: { messageSecret: secret },
      pollCreationMessageV3: { name, options: options.map((optionName) => ({ optionName })), selectableOptionsCount: selectableCount },
    });
    this.polls.set(id, { id, creatorJid: this.jid, secret, options });
    return id;
  }

  /** A vote on a poll (this contact's own, or one the device sent), encrypted as WhatsApp does. */
  async sendVote(to: LinkedDevice, poll: SimulatedPoll, selected: string[]): Promise<string> {
    const sentByContact = poll.creatorJid === this.jid;
    return this.sendMessage(to, {
      pollUpdateMessage: {
        pollCreationMessageKey: this.#keyOf(to, { id: poll.id, sentByContact }),
        vote: pollVote(poll, this.jid, selected),
        senderTimestampMs: Date.now(),
      },
    });
  }

  /**
   * A message the device cannot decrypt (its ciphertext is garbage, as after lost Signal state):
   * Baileys emits a CIPHERTEXT placeholder and sends a retry receipt; the contact answers it with
   * the real content under the same id, unless `answersRetries` is off.
   */
  async sendUndecryptable(to: LinkedDevice, text: string): Promise<string> {
    const id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    this.#remember(id, to, encodeWAMessage(proto.Message.fromObject({ conversation: text })));
    await this.#send(id, to, { tag: 'enc', attrs: { v: '2', type: 'msg' }, content: randomBytes(64) }, 'msg');
    return id;
  }

  /** Sends a text to every linked device of `phoneNumber`'s account that is online; returns the id. */
  async sendText(to: LinkedDevice, text: string, id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`): Promise<string> {
    return this.sendMessage(to, { conversation: text }, id);
  }

  async sendMessage(
    to: LinkedDevice,
    message: proto.IMessage,
    id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
    extraAttrs: Record<string, string> = {},
  ): Promise<string> {
    const plaintext = encodeWAMessage(proto.Message.fromObject(message));
    this.#remember(id, to, plaintext, extraAttrs);
    await this.#deliver(id, to, plaintext, extraAttrs);
    return id;
  }

  #remember(id: string, device: LinkedDevice, plaintext: Uint8Array, attrs: Record<string, string> = {}): void {
    this.#sent.set(id, { device, plaintext, attrs });
    if (this.#sent.size > HISTORY_LIMIT) this.#sent.delete(this.#sent.keys().next().value as string);
  }

  /**
   * Delivers a message again under the same id (WhatsApp redelivers what a device did not ack).
   * It is encrypted anew on the current session, so the client can decrypt it a second time.
   */
  async redeliver(id: string): Promise<void> {
    const sent = this.#sent.get(id);
    if (!sent) throw new Error(`contact never sent ${id}`);
    await this.#deliver(id, sent.device, sent.plaintext, sent.attrs);
  }

  /**
   * The device could not decrypt `id` and asked for it again (a `retry` receipt): like a phone,
   * start a fresh Signal session from the device's uploaded keys and send it once more.
   */
  async resend(id: string): Promise<boolean> {
    const sent = this.#sent.get(id);
    if (!sent || !this.answersRetries) return false;
    this.signal.forgetSession(sent.device.phone.phoneNumber, sent.device.deviceId);
    await this.#deliver(id, sent.device, sent.plaintext, sent.attrs);
    return true;
  }

  sentMessage(id: string): boolean {
    return this.#sent.has(id);
  }

  async #deliver(id: string, to: LinkedDevice, plaintext: Uint8Array, extraAttrs: Record<string, string> = {}): Promise<void> {
    const { type, ciphertext } = await this.signal.encrypt(to.phone.phoneNumber, to.deviceId, plaintext, () => to.keys);
    await this.#send(id, to, { tag: 'enc', attrs: { v: '2', type }, content: ciphertext }, type, extraAttrs);
  }

  async #send(id: string, to: LinkedDevice, enc: BinaryNode, type: EncType, extraAttrs: Record<string, string> = {}): Promise<void> {
    const addressing: Record<string, string> =
      this.addressing === 'lid'
        ? { from: this.lidJid, addressing_mode: 'lid', ...(this.sharesPhoneNumber ? { sender_pn: this.jid } : {}) }
        : { from: this.jid };
    const node: BinaryNode = {
      tag: 'message',
      attrs: { ...addressing, id, type: 'text', t: String(Math.floor(Date.now() / 1000)), notify: this.pushName, ...extraAttrs },
      content: [enc],
    };
    if (!(await this.#simulator.deliverTo(to, node))) throw new Error(`${deviceJid(to)} is not connected`);
    this.delivered.push({ id, encType: type });
    if (this.delivered.length > HISTORY_LIMIT) this.delivered.splice(0, this.delivered.length - HISTORY_LIMIT);
    this.#simulator.changed();
  }

  /**
   * Encrypts a text for `to` now, without sending it (benchmarks pre-encrypt a whole burst so the
   * simulator's own Signal work is not what they measure); send it with sendPrepared, in the order
   * prepared per device, since each ciphertext advances the contact's Signal chain.
   */
  async prepareText(to: LinkedDevice, text: string, id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`): Promise<PreparedMessage> {
    const plaintext = encodeWAMessage(proto.Message.fromObject({ conversation: text }));
    this.#remember(id, to, plaintext);
    const { type, ciphertext } = await this.signal.encrypt(to.phone.phoneNumber, to.deviceId, plaintext, () => to.keys);
    return { id, to, type, enc: { tag: 'enc', attrs: { v: '2', type }, content: ciphertext } };
  }

  /** Sends a message prepareText encrypted (as sendText would have); returns its id. */
  async sendPrepared(prepared: PreparedMessage): Promise<string> {
    await this.#send(prepared.id, prepared.to, prepared.enc, prepared.type);
    return prepared.id;
  }

  /** Called by the simulator with a `to` entry of a message stanza addressed to this contact. */
  async receive(from: LinkedDevice, id: string, to: string, enc: BinaryNode): Promise<ReceivedMessage> {
    if (!(enc.content instanceof Uint8Array)) throw new Error('enc without ciphertext');
    const plaintext = await this.signal.decrypt(from.phone.phoneNumber, from.deviceId, enc.attrs.type ?? '', enc.content);
    const message = proto.Message.decode(unpadRandomMax16(plaintext));
    const received: ReceivedMessage = { id, from: deviceJid(from), to, message, text: textOf(message), encType: enc.attrs.type ?? '' };
    this.received.push(received);
    if (this.received.length > HISTORY_LIMIT) this.received.splice(0, this.received.length - HISTORY_LIMIT);
    this.emit('message', received);
    if (this.autoDeliveryReceipts) {
      setTimeout(() => void this.sendReceipt(received, 'delivery').catch(() => undefined), this.deliveryReceiptDelayMs).unref();
    }
    return received;
  }

  /** Tells the sending device its message was delivered to / read on this phone. */
  async sendReceipt(message: ReceivedMessage, type: ReceiptType): Promise<void> {
    const device = this.#simulator.device(message.from);
    if (!device) return;
    // A LID-addressed contact's receipts come from its LID, whichever address the device sent to.
    const from = this.addressing === 'lid' ? this.lidJid : message.to;
    const attrs: Record<string, string> = { from, id: message.id, t: String(Math.floor(Date.now() / 1000)) };
    if (type === 'read') attrs.type = 'read';
    await this.#simulator.deliverTo(device, { tag: 'receipt', attrs });
  }

  /**
   * The contact's phone could not decrypt `message` and asks the sending device for it again (a
   * `retry` receipt, as messages-recv.js handleReceipt reads it: no `recipient`, so the message is
   * the device's own; `<retry count id t v>` and the contact's `<registration>` id). Baileys
   * answers from its recent-message cache or, after a restart, from getMessage.
   */
  async requestRetry(message: ReceivedMessage, count = 1): Promise<void> {
    const device = this.#simulator.device(message.from);
    if (!device) return;
    const t = String(Math.floor(Date.now() / 1000));
    const registration = Buffer.alloc(4);
    registration.writeUInt32BE(this.signal.registrationId);
    await this.#simulator.deliverTo(device, {
      tag: 'receipt',
      attrs: { from: this.addressing === 'lid' ? this.lidJid : message.to, id: message.id, type: 'retry', t },
      content: [
        { tag: 'retry', attrs: { count: String(count), id: message.id, t, v: '1' } },
        { tag: 'registration', attrs: {}, content: registration },
      ],
    });
  }

  /** Resolves with the next message (or one already received) whose text matches. */
  waitForMessage(predicate: (message: ReceivedMessage) => boolean, timeoutMs = 10_000): Promise<ReceivedMessage> {
    const already = this.received.find(predicate);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('message', listener);
        reject(new Error(`contact ${this.phoneNumber} received no matching message`));
      }, timeoutMs);
      const listener = (message: ReceivedMessage): void => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        this.off('message', listener);
        resolve(message);
      };
      this.on('message', listener);
    });
  }

  // --- Groups and status: sender keys (senderKeyMessages.ts, simulatedGroup.ts, statusBroadcast.ts) ---

  /** This contact's sender keys: its own chain per group and for status, and chains devices distributed to it. */
  readonly senderKeys = new SenderKeys();

  /**
   * Records a group or status message this contact read (with a sender key), as `receive` does a
   * 1:1 one. Its delivery receipt names the contact as `participant` of the chat, as WhatsApp's
   * do for groups: Baileys (handleReceipt) ignores a group receipt without one.
   */
  acceptSenderKeyMessage(received: ReceivedMessage, participant: string): void {
    this.received.push(received);
    if (this.received.length > HISTORY_LIMIT) this.received.splice(0, this.received.length - HISTORY_LIMIT);
    this.emit('message', received);
    if (!this.autoDeliveryReceipts) return;
    const device = this.#simulator.device(received.from);
    if (!device) return;
    const receipt: BinaryNode = { tag: 'receipt', attrs: { from: received.to, participant, id: received.id, t: String(Math.floor(Date.now() / 1000)) } };
    setTimeout(() => void this.#simulator.deliverTo(device, receipt).catch(() => undefined), this.deliveryReceiptDelayMs).unref();
  }

  // --- End of groups and status ---
}
