import { randomInt } from 'node:crypto';
import * as libsignal from 'libsignal';
import { generateSignalPubKey, signedKeyPair, type BinaryNode } from '@whiskeysockets/baileys';
import { generateKeyPair, type KeyPair } from './curveKeys.ts';
import type { UploadedKeys } from './linkedDevice.ts';

type SignalStorage = ConstructorParameters<typeof libsignal.SessionCipher>[0];

export type EncType = 'pkmsg' | 'msg';

function bigEndian(value: number, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  buffer.writeUIntBE(value, 0, bytes);
  return buffer;
}

function signalPair(pair: KeyPair): { privKey: Buffer; pubKey: Buffer } {
  return { privKey: Buffer.from(pair.private), pubKey: Buffer.from(generateSignalPubKey(pair.public)) };
}

const PRE_KEY_COUNT = 50;

/**
 * One Signal device on the simulator's side (a contact's phone, or the account's own phone), with
 * its sessions in memory. It speaks to Baileys through libsignal, exactly as a peer would.
 */
export interface SignalEndpointState {
  registrationId: number;
  identity: KeyPair;
  signedPreKey: { keyId: number; keyPair: KeyPair; signature: Buffer };
  preKeys: [number, KeyPair][];
  unclaimed: number[];
  sessions: [string, SerializedSession][];
}

/** What libsignal's SessionRecord.serialize() returns: a plain object with Buffers, not bytes. */
type SerializedSession = ReturnType<libsignal.SessionRecord['serialize']>;

function freshState(): SignalEndpointState {
  const identity = generateKeyPair();
  const signed = signedKeyPair(identity, 1);
  const preKeys: [number, KeyPair][] = [];
  for (let id = 1; id <= PRE_KEY_COUNT; id++) preKeys.push([id, generateKeyPair()]);
  return {
    registrationId: randomInt(1, 16_380),
    identity,
    signedPreKey: {
      keyId: signed.keyId,
      keyPair: { public: Buffer.from(signed.keyPair.public), private: Buffer.from(signed.keyPair.private) },
      signature: Buffer.from(signed.signature),
    },
    preKeys,
    unclaimed: preKeys.map(([id]) => id),
    sessions: [],
  };
}

export class SignalEndpoint {
  readonly registrationId: number;
  readonly identity: KeyPair;
  readonly signedPreKey: SignalEndpointState['signedPreKey'];
  readonly #preKeys: Map<number, KeyPair>;
  /** Pre-key ids not yet handed out in a bundle (the server gives each one away once). */
  readonly #unclaimed: number[];
  readonly #sessions: Map<string, SerializedSession>;
  readonly #storage: SignalStorage;

  /** A new device with fresh keys, or one restored from `state()`. */
  constructor(restored: SignalEndpointState = freshState()) {
    this.registrationId = restored.registrationId;
    this.identity = restored.identity;
    this.signedPreKey = restored.signedPreKey;
    this.#preKeys = new Map(restored.preKeys);
    this.#unclaimed = [...restored.unclaimed];
    this.#sessions = new Map(restored.sessions);
    const sessions = this.#sessions;
    const preKeys = this.#preKeys;
    const registrationId = this.registrationId;
    const identity = signalPair(this.identity);
    const signedPreKey = signalPair(this.signedPreKey.keyPair);
    this.#storage = {
      async loadSession(id: string) {
        const serialized = sessions.get(id);
        return serialized ? libsignal.SessionRecord.deserialize(serialized) : undefined;
      },
      async storeSession(id: string, session: libsignal.SessionRecord) {
        sessions.set(id, session.serialize());
      },
      // A simulated peer trusts on first use, as WhatsApp Web does.
      isTrustedIdentity: () => true,
      async loadPreKey(id: number | string) {
        const pair = preKeys.get(Number(id));
        return pair ? signalPair(pair) : undefined;
      },
      removePreKey(id: number) {
        preKeys.delete(id);
      },
      loadSignedPreKey: () => signedPreKey,
      getOurRegistrationId: () => registrationId,
      getOurIdentity: () => identity,
    };
  }

  /** The `<user>` node of an `encrypt` key fetch: this device's bundle, using up one pre-key. */
  bundleNode(jid: string): BinaryNode {
    const preKeyId = this.#unclaimed.shift();
    const preKey = preKeyId === undefined ? undefined : this.#preKeys.get(preKeyId);
    return bundleNodeFor(jid, {
      registrationId: this.registrationId,
      identityKey: this.identity.public,
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        publicKey: this.signedPreKey.keyPair.public,
        signature: Buffer.from(this.signedPreKey.signature),
      },
      preKeys: preKeyId !== undefined && preKey ? new Map([[preKeyId, preKey.public]]) : new Map(),
    });
  }

  state(): SignalEndpointState {
    return {
      registrationId: this.registrationId,
      identity: this.identity,
      signedPreKey: this.signedPreKey,
      preKeys: [...this.#preKeys.entries()],
      unclaimed: [...this.#unclaimed],
      sessions: [...this.#sessions.entries()],
    };
  }

  /** Drops the session with a remote device, so the next message starts a new one from its bundle. */
  forgetSession(name: string, device: number): void {
    this.#sessions.delete(new libsignal.ProtocolAddress(name, device).toString());
  }

  hasSession(name: string, device: number): boolean {
    return this.#sessions.has(new libsignal.ProtocolAddress(name, device).toString());
  }

  /**
   * Encrypts for a remote device. Without a session yet, one is started from the device's uploaded
   * bundle, taking one of its one-time pre-keys (so the first message is a `pkmsg`).
   */
  async encrypt(name: string, device: number, plaintext: Uint8Array, bundle: () => UploadedKeys | undefined): Promise<{ type: EncType; ciphertext: Buffer }> {
    const address = new libsignal.ProtocolAddress(name, device);
    if (!this.#sessions.has(address.toString())) {
      const keys = bundle();
      if (!keys) throw new Error(`no key bundle for ${address.toString()}`);
      const [preKey] = keys.preKeys.entries();
      if (preKey) keys.preKeys.delete(preKey[0]);
      await new libsignal.SessionBuilder(this.#storage, address).initOutgoing({
        registrationId: keys.registrationId,
        identityKey: generateSignalPubKey(keys.identityKey),
        signedPreKey: {
          keyId: keys.signedPreKey.keyId,
          publicKey: generateSignalPubKey(keys.signedPreKey.publicKey),
          signature: keys.signedPreKey.signature,
        },
        // libsignal's typings make the one-time pre-key mandatory; at run time it is optional.
        preKey: (preKey ? { keyId: preKey[0], publicKey: generateSignalPubKey(preKey[1]) } : undefined) as { keyId: number; publicKey: Uint8Array },
      });
    }
    const { type, body } = await new libsignal.SessionCipher(this.#storage, address).encrypt(plaintext);
    const raw: unknown = body;
    const ciphertext = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'binary');
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext };
  }

  async decrypt(name: string, device: number, type: string, ciphertext: Uint8Array): Promise<Buffer> {
    const cipher = new libsignal.SessionCipher(this.#storage, new libsignal.ProtocolAddress(name, device));
    if (type === 'pkmsg') return cipher.decryptPreKeyWhisperMessage(ciphertext);
    if (type === 'msg') return cipher.decryptWhisperMessage(ciphertext);
    throw new Error(`cannot decrypt enc type ${type}`);
  }
}

/** Serialises a key bundle the way WhatsApp's `encrypt` key fetch answers it. */
export function bundleNodeFor(jid: string, keys: UploadedKeys): BinaryNode {
  const content: BinaryNode[] = [
    { tag: 'registration', attrs: {}, content: bigEndian(keys.registrationId, 4) },
    { tag: 'type', attrs: {}, content: Buffer.from([5]) },
    { tag: 'identity', attrs: {}, content: keys.identityKey },
    {
      tag: 'skey',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: bigEndian(keys.signedPreKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: keys.signedPreKey.publicKey },
        { tag: 'signature', attrs: {}, content: keys.signedPreKey.signature },
      ],
    },
  ];
  const [preKey] = keys.preKeys.entries();
  if (preKey) {
    content.push({
      tag: 'key',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: bigEndian(preKey[0], 3) },
        { tag: 'value', attrs: {}, content: preKey[1] },
      ],
    });
  }
  return { tag: 'user', attrs: { jid }, content };
}
