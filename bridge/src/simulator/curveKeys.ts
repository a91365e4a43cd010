import { Curve, generateSignalPubKey } from '@whiskeysockets/baileys';
import { verifySignature } from 'libsignal/src/curve.js';

/** A Curve25519 key pair; `public` without libsignal's 0x05 type prefix, as on the wire. */
export interface KeyPair {
  public: Buffer;
  private: Buffer;
}

export function generateKeyPair(): KeyPair {
  const pair = Curve.generateKeyPair();
  return { public: Buffer.from(pair.public), private: Buffer.from(pair.private) };
}

/**
 * A strict XEdDSA check. Baileys' Curve.verify cannot be used for this: it reports true unless
 * libsignal throws, and libsignal reports a bad signature by returning false.
 */
export function verifyCurveSignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifySignature(generateSignalPubKey(publicKey), message, signature) === true;
  } catch {
    return false;
  }
}
