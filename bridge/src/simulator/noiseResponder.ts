import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { Curve, NOISE_MODE, NOISE_WA_HEADER, proto } from '@whiskeysockets/baileys';

import { generateKeyPair, type KeyPair } from './curveKeys.ts';

const TAG_LENGTH = 16;

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

function seal(key: Buffer, counter: number, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, ivFor(counter));
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Buffer, counter: number, ciphertext: Uint8Array, aad: Uint8Array): Buffer {
  const data = Buffer.from(ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, ivFor(counter));
  decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_LENGTH)), decipher.final()]);
}

export interface ClientFinish {
  /** The client's long-term noise key: identifies the device across connections. */
  clientStaticPublic: Buffer;
  payload: proto.ClientPayload;
}

/**
 * The responder half of WhatsApp Web's Noise_XX_25519_AESGCM_SHA256 handshake, mirroring Baileys'
 * initiator (Utils/noise-handler.js) step for step: the two sides only agree if every `mixHash`
 * and `mixKey` happens in the same order with the same nonce counter.
 */
export class NoiseResponder {
  #hash: Buffer;
  #salt: Buffer;
  #key: Buffer;
  #counter = 0;
  #ephemeral: KeyPair = generateKeyPair();
  #serverStatic: KeyPair;
  #certificate: Uint8Array;
  #sendKey: Buffer | undefined;
  #receiveKey: Buffer | undefined;
  #sendCounter = 0;
  #receiveCounter = 0;

  constructor(serverStatic: KeyPair, certificate: Uint8Array) {
    this.#serverStatic = serverStatic;
    this.#certificate = certificate;
    const mode = Buffer.from(NOISE_MODE);
    this.#hash = mode.length === 32 ? mode : sha256(mode);
    this.#salt = this.#hash;
    this.#key = this.#hash;
    this.#mixHash(NOISE_WA_HEADER);
  }

  get established(): boolean {
    return this.#sendKey !== undefined;
  }

  /** Takes the client hello, returns the encoded server hello. */
  answerHello(message: Uint8Array): Uint8Array {
    const hello = proto.HandshakeMessage.decode(message).clientHello;
    if (!hello?.ephemeral) throw new Error('expected a client hello with an ephemeral key');
    const clientEphemeral = Buffer.from(hello.ephemeral);
    this.#mixHash(clientEphemeral);
    this.#mixHash(this.#ephemeral.public);
    this.#mixKey(Curve.sharedKey(this.#ephemeral.private, clientEphemeral));
    const encryptedStatic = this.#encryptAndHash(this.#serverStatic.public);
    this.#mixKey(Curve.sharedKey(this.#serverStatic.private, clientEphemeral));
    const payload = this.#encryptAndHash(this.#certificate);
    return proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.#ephemeral.public, static: encryptedStatic, payload },
    }).finish();
  }

  /** Takes the client finish; afterwards the transport keys are in place. */
  acceptFinish(message: Uint8Array): ClientFinish {
    const finish = proto.HandshakeMessage.decode(message).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error('expected a client finish');
    const clientStaticPublic = this.#decryptAndHash(finish.static);
    this.#mixKey(Curve.sharedKey(this.#ephemeral.private, clientStaticPublic));
    const payload = proto.ClientPayload.decode(this.#decryptAndHash(finish.payload));
    const [initiatorSend, initiatorReceive] = this.#split(Buffer.alloc(0));
    this.#receiveKey = initiatorSend;
    this.#sendKey = initiatorReceive;
    return { clientStaticPublic, payload };
  }

  encrypt(plaintext: Uint8Array): Buffer {
    if (!this.#sendKey) throw new Error('handshake not finished');
    return seal(this.#sendKey, this.#sendCounter++, plaintext, Buffer.alloc(0));
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    if (!this.#receiveKey) throw new Error('handshake not finished');
    return open(this.#receiveKey, this.#receiveCounter++, ciphertext, Buffer.alloc(0));
  }

  #mixHash(data: Uint8Array): void {
    this.#hash = sha256(Buffer.concat([this.#hash, data]));
  }

  #split(material: Uint8Array): [Buffer, Buffer] {
    const key = Buffer.from(hkdfSync('sha256', material, this.#salt, Buffer.alloc(0), 64));
    return [key.subarray(0, 32), key.subarray(32)];
  }

  #mixKey(material: Uint8Array): void {
    const [salt, key] = this.#split(material);
    this.#salt = salt;
    this.#key = key;
    this.#counter = 0;
  }

  #encryptAndHash(plaintext: Uint8Array): Buffer {
    const result = seal(this.#key, this.#counter++, plaintext, this.#hash);
    this.#mixHash(result);
    return result;
  }

  #decryptAndHash(ciphertext: Uint8Array): Buffer {
    const result = open(this.#key, this.#counter++, ciphertext, this.#hash);
    this.#mixHash(ciphertext);
    return result;
  }
}
