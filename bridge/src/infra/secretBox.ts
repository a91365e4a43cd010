import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under BRIDGE_ENCRYPTION_KEY for values at rest (auth state, webhook secrets).
 * Format: "v1:" + base64(nonce(12) | tag(16) | ciphertext). A random nonce per value; any
 * tampering (or the wrong key) fails to open. `context` is bound as additional data, so a value
 * copied to another record (another session, another key id) does not open there either.
 */
export class SecretBoxError extends Error {}

export interface SecretBox {
  seal(plaintext: Buffer | string, context?: string): string;
  open(sealed: string, context?: string): Buffer;
}

const VERSION = 'v1:';

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretBoxError('encryption key must be 32 bytes');
  // One key object for every value: a raw Buffer would be turned into one on each call.
  const secret = createSecretKey(key);
  return {
    seal(plaintext, context = '') {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', secret, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
      return VERSION + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed, context = '') {
      if (!sealed.startsWith(VERSION)) throw new SecretBoxError('not a sealed value');
      const raw = Buffer.from(sealed.slice(VERSION.length), 'base64');
      if (raw.length < 28) throw new SecretBoxError('sealed value too short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      } catch {
        throw new SecretBoxError('sealed value failed authentication (tampered, or another key)');
      }
    },
  };
}
