import * as libsignal from 'libsignal';
// Baileys' own sender-key implementation (not re-exported from the package root). Using the very
// classes Baileys decrypts with makes the simulator's group ciphertext what Baileys expects.
import {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
} from '@whiskeysockets/baileys/lib/Signal/Group/index.js';

/** A device that owns a sender key chain: a Signal address (`<user>.<device>`). */
export interface SenderAddress {
  user: string;
  device: number;
}

/**
 * One simulated endpoint's sender keys, for groups and for status@broadcast: its own chain per
 * chat (what it encrypts `skmsg` with and distributes in a SenderKeyDistributionMessage), and the
 * chains other devices distributed to it (what it decrypts their `skmsg` with).
 */
export class SenderKeys {
  readonly #records = new Map<string, SenderKeyRecord>();
  /** `<chat>|<device jid>` pairs this endpoint already sent its own SKDM to (Baileys: sender-key-memory). */
  readonly #distributed = new Set<string>();
  readonly #store = {
    loadSenderKey: async (name: SenderKeyName) => this.#records.get(name.toString()) ?? new SenderKeyRecord(),
    storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
      this.#records.set(name.toString(), record);
    },
  };

  /**
   * This endpoint's SKDM for `chat`, creating its chain on first use. Call it before `encrypt`
   * for the same message, as Baileys does: the SKDM then carries an iteration the message is at
   * or after, so whoever processes it can read the message.
   */
  async distribution(chat: string, self: SenderAddress): Promise<Uint8Array> {
    const skdm = await new GroupSessionBuilder(this.#store).create(nameOf(chat, self));
    return skdm.serialize();
  }

  /** Encrypts an already padded message (encodeWAMessage) under this endpoint's chain for `chat`. */
  async encrypt(chat: string, self: SenderAddress, padded: Uint8Array): Promise<Uint8Array> {
    return new GroupCipher(this.#store, nameOf(chat, self)).encrypt(padded);
  }

  /** Stores the chain another device distributed for `chat` (its `axolotlSenderKeyDistributionMessage`). */
  async process(chat: string, author: SenderAddress, serialized: Uint8Array): Promise<void> {
    const skdm = new SenderKeyDistributionMessage(null, null, null, null, serialized);
    await new GroupSessionBuilder(this.#store).process(nameOf(chat, author), skdm);
  }

  has(chat: string, author: SenderAddress): boolean {
    return this.#records.has(nameOf(chat, author).toString());
  }

  /** Decrypts a `skmsg` from `author` in `chat`; still padded, as Baileys' is before unpadRandomMax16. */
  async decrypt(chat: string, author: SenderAddress, ciphertext: Uint8Array): Promise<Uint8Array> {
    return new GroupCipher(this.#store, nameOf(chat, author)).decrypt(ciphertext);
  }

  distributedTo(chat: string, deviceJid: string): boolean {
    return this.#distributed.has(`${chat}|${deviceJid}`);
  }

  markDistributed(chat: string, deviceJid: string): void {
    this.#distributed.add(`${chat}|${deviceJid}`);
  }
}

function nameOf(chat: string, address: SenderAddress): SenderKeyName {
  return new SenderKeyName(chat, new libsignal.ProtocolAddress(address.user, address.device));
}
