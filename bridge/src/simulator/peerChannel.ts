import { randomBytes } from 'node:crypto';
import { encodeWAMessage, proto, type BinaryNode } from '@whiskeysockets/baileys';
import type { LinkedDevice } from './linkedDevice.ts';

type Deliver = (device: LinkedDevice, node: BinaryNode) => Promise<boolean>;

/**
 * What the phone sends its own linked devices ("peer" messages: history syncs, app state keys,
 * settings), Signal-encrypted by the phone's device 0. One message at a time per device: each
 * encryption advances the session, so ciphertexts must reach the device in the order they were
 * made, and a history sync asked for during the first messages must queue behind them. The phone
 * keeps track of which of them the device has answered (`peer_msg` receipts): `settled()`.
 */
export class PeerChannel {
  readonly #deliver: Deliver;
  readonly #queues = new WeakMap<LinkedDevice, Promise<unknown>>();
  /** Per device, the ids of messages on the wire it has not answered with a receipt yet. */
  readonly #unanswered = new WeakMap<LinkedDevice, Set<string>>();
  readonly #onAnswer = new WeakMap<LinkedDevice, Set<() => void>>();

  constructor(deliver: Deliver) {
    this.#deliver = deliver;
  }

  /**
   * Sends `message` to `device`; resolves with the stanza id once it is on the wire. Its place in
   * the queue is taken now, even while the message is still being built.
   */
  send(device: LinkedDevice, message: proto.IMessage | Promise<proto.IMessage>): Promise<string> {
    const previous = this.#queues.get(device) ?? Promise.resolve();
    const sent = previous.catch(() => undefined).then(async () => this.#sendNow(device, await message));
    this.#queues.set(device, sent);
    return sent;
  }

  /** The device sent a receipt (`peer_msg` for these) for stanza `id`. */
  answered(device: LinkedDevice, id: string): void {
    if (!this.#unanswered.get(device)?.delete(id)) return;
    for (const wake of this.#onAnswer.get(device) ?? []) wake();
  }

  /** The device went offline: what it was sent and did not answer, it never will. */
  offline(device: LinkedDevice): void {
    this.#unanswered.get(device)?.clear();
  }

  /**
   * Resolves once everything queued for `device` is on the wire and the device has answered each
   * message with its receipt; or when `gone` settles (the device went offline), or after
   * `timeoutMs`. Whether it was all answered.
   */
  async settled(device: LinkedDevice, gone: Promise<unknown>, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const stop = Promise.race([gone, expired]).then(() => false);
    try {
      const queued = (this.#queues.get(device) ?? Promise.resolve()).catch(() => undefined).then(() => true);
      if (!(await Promise.race([queued, stop]))) return false;
      const wakers = this.#onAnswer.get(device) ?? new Set<() => void>();
      this.#onAnswer.set(device, wakers);
      while ((this.#unanswered.get(device)?.size ?? 0) > 0) {
        let wake: () => void = () => undefined;
        const answer = new Promise<boolean>((resolve) => {
          wake = () => resolve(true);
          wakers.add(wake);
        });
        const woken = await Promise.race([answer, stop]);
        wakers.delete(wake);
        if (!woken) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  async #sendNow(device: LinkedDevice, message: proto.IMessage): Promise<string> {
    const phone = device.phone;
    const plaintext = encodeWAMessage(proto.Message.fromObject(message));
    const { type, ciphertext } = await phone.signal.encrypt(phone.phoneNumber, device.deviceId, plaintext, () => device.keys);
    const id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    // From the account's own PN and without `recipient`: Baileys reads that as fromMe, which its
    // self-only protocol messages (history sync, key share) require. `peer` makes it answer with
    // a `peer_msg` receipt.
    const node: BinaryNode = {
      tag: 'message',
      attrs: { from: phone.jid, id, type: 'text', t: String(Math.floor(Date.now() / 1000)), category: 'peer' },
      content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
    };
    // Expected before it is sent: the receipt may be back before the delivery resolves.
    const unanswered = this.#unanswered.get(device) ?? new Set<string>();
    this.#unanswered.set(device, unanswered);
    unanswered.add(id);
    let delivered = false;
    try {
      delivered = await this.#deliver(device, node);
    } finally {
      if (!delivered) unanswered.delete(id);
    }
    if (!delivered) throw new Error(`${phone.phoneNumber}:${device.deviceId} is not connected`);
    return id;
  }
}
