import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { encodeWAMessage, proto, unpadRandomMax16, type BinaryNode } from '@whiskeysockets/baileys';
import { SignalEndpoint, type EncType, type SignalEndpointState } from './signalEndpoint.ts';
import type { LinkedDevice } from './linkedDevice.ts';
import { deviceJid } from './linkedDevice.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

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
  readonly #simulator: WhatsAppSimulator;
  readonly #sent = new Map<string, { device: LinkedDevice; plaintext: Uint8Array }>();

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

  /** Sends a text to every linked device of `phoneNumber`'s account that is online; returns the id. */
  async sendText(to: LinkedDevice, text: string, id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`): Promise<string> {
    return this.sendMessage(to, { conversation: text }, id);
  }

  async sendMessage(to: LinkedDevice, message: proto.IMessage, id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`): Promise<string> {
    const plaintext = encodeWAMessage(proto.Message.fromObject(message));
    this.#sent.set(id, { device: to, plaintext });
    if (this.#sent.size > HISTORY_LIMIT) this.#sent.delete(this.#sent.keys().next().value as string);
    await this.#deliver(id, to, plaintext);
    return id;
  }

  /**
   * Delivers a message again under the same id (WhatsApp redelivers what a device did not ack).
   * It is encrypted anew on the current session, so the client can decrypt it a second time.
   */
  async redeliver(id: string): Promise<void> {
    const sent = this.#sent.get(id);
    if (!sent) throw new Error(`contact never sent ${id}`);
    await this.#deliver(id, sent.device, sent.plaintext);
  }

  /**
   * The device could not decrypt `id` and asked for it again (a `retry` receipt): like a phone,
   * start a fresh Signal session from the device's uploaded keys and send it once more.
   */
  async resend(id: string): Promise<boolean> {
    const sent = this.#sent.get(id);
    if (!sent) return false;
    this.signal.forgetSession(sent.device.phone.phoneNumber, sent.device.deviceId);
    await this.#deliver(id, sent.device, sent.plaintext);
    return true;
  }

  sentMessage(id: string): boolean {
    return this.#sent.has(id);
  }

  async #deliver(id: string, to: LinkedDevice, plaintext: Uint8Array): Promise<void> {
    const { type, ciphertext } = await this.signal.encrypt(to.phone.phoneNumber, to.deviceId, plaintext, () => to.keys);
    const node: BinaryNode = {
      tag: 'message',
      attrs: { from: this.jid, id, type: 'text', t: String(Math.floor(Date.now() / 1000)), notify: this.pushName },
      content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
    };
    if (!(await this.#simulator.deliverTo(to, node))) throw new Error(`${deviceJid(to)} is not connected`);
    this.delivered.push({ id, encType: type });
    if (this.delivered.length > HISTORY_LIMIT) this.delivered.splice(0, this.delivered.length - HISTORY_LIMIT);
    this.#simulator.changed();
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
    const attrs: Record<string, string> = { from: message.to, id: message.id, t: String(Math.floor(Date.now() / 1000)) };
    if (type === 'read') attrs.type = 'read';
    await this.#simulator.deliverTo(device, { tag: 'receipt', attrs });
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
}
