import { createCipheriv, createDecipheriv, hkdfSync, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Curve, getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys';
import { generateKeyPair } from './curveKeys.ts';
import type { DeviceConnection } from './deviceConnection.ts';
import type { PairingQr } from './pairingQr.ts';
import type { SimulatedPhone } from './simulatedPhone.ts';

const pbkdf2Async = promisify(pbkdf2);

/** A client asked to pair by phone number (`link_code_companion_reg`, stage `companion_hello`). */
export interface LinkCodeRequest {
  phoneNumber: string;
  ref: Buffer;
  /** salt (32) ‖ iv (16) ‖ AES-CTR of the companion's ephemeral key under PBKDF2(code, salt). */
  wrappedCompanionEphemeral: Buffer;
}

function childBytes(node: BinaryNode | undefined, tag: string): Buffer | undefined {
  const child = getBinaryNodeChild(node, tag);
  return child?.content instanceof Uint8Array ? Buffer.from(child.content) : undefined;
}

export function parseCompanionHello(iq: BinaryNode): LinkCodeRequest | undefined {
  const reg = getBinaryNodeChild(iq, 'link_code_companion_reg');
  if (reg?.attrs.stage !== 'companion_hello') return undefined;
  const wrapped = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
  if (!wrapped || wrapped.length < 80) return undefined;
  return { phoneNumber: (reg.attrs.jid ?? '').split('@')[0], ref: randomBytes(16), wrappedCompanionEphemeral: wrapped };
}

// The code is the only secret the phone and the companion share; WhatsApp stretches it like this.
async function codeKey(code: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(code), salt, 2 << 16, 32, 'sha256');
}

async function wrap(publicKey: Buffer, code: string): Promise<Buffer> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', await codeKey(code, salt), iv);
  return Buffer.concat([salt, iv, cipher.update(publicKey), cipher.final()]);
}

async function unwrap(wrapped: Buffer, code: string): Promise<Buffer> {
  const decipher = createDecipheriv('aes-256-ctr', await codeKey(code, wrapped.subarray(0, 32)), wrapped.subarray(32, 48));
  return Buffer.concat([decipher.update(wrapped.subarray(48, 80)), decipher.final()]);
}

function hkdf(material: Buffer, info: string, salt: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync('sha256', material, salt, info, 32));
}

/**
 * The phone side of pairing by code: the user types `code` on the phone, which unwraps the
 * companion's ephemeral key with it, answers with its own (primary_hello), and from the companion's
 * key bundle derives the same ADV secret the companion did. The result stands in for a scanned QR.
 */
export async function enterPairingCode(connection: DeviceConnection, noiseKeyPublic: Buffer, request: LinkCodeRequest, phone: SimulatedPhone, code: string): Promise<PairingQr> {
  const companionEphemeral = await unwrap(request.wrappedCompanionEphemeral, code);
  const primaryEphemeral = generateKeyPair();
  const finishing = connection.waitFor(
    (node) => getBinaryNodeChild(node, 'link_code_companion_reg')?.attrs.stage === 'companion_finish',
    15_000,
  );
  await connection.send({
    tag: 'notification',
    attrs: { from: 's.whatsapp.net', type: 'link_code_companion_reg', id: connection.nextId(), t: String(Math.floor(Date.now() / 1000)) },
    content: [
      {
        tag: 'link_code_companion_reg',
        attrs: {},
        content: [
          { tag: 'link_code_pairing_ref', attrs: {}, content: request.ref },
          { tag: 'primary_identity_pub', attrs: {}, content: phone.identity.public },
          { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: await wrap(primaryEphemeral.public, code) },
        ],
      },
    ],
  });
  const finish = getBinaryNodeChild(await finishing, 'link_code_companion_reg');
  const bundle = childBytes(finish, 'link_code_pairing_wrapped_key_bundle');
  if (!bundle || bundle.length < 44) throw new Error('companion_finish without a key bundle');
  const companionShared = Curve.sharedKey(primaryEphemeral.private, companionEphemeral);
  const bundleKey = hkdf(companionShared, 'link_code_pairing_key_bundle_encryption_key', bundle.subarray(0, 32));
  const decipher = createDecipheriv('aes-256-gcm', bundleKey, bundle.subarray(32, 44));
  decipher.setAuthTag(bundle.subarray(bundle.length - 16));
  // A wrong code fails here: the bundle only decrypts under the key both sides derived from it.
  const payload = Buffer.concat([decipher.update(bundle.subarray(44, bundle.length - 16)), decipher.final()]);
  const companionIdentity = payload.subarray(0, 32);
  const random = payload.subarray(64, 96);
  const identityShared = Curve.sharedKey(phone.identity.private, companionIdentity);
  return {
    ref: request.ref.toString('hex'),
    noiseKeyPublic,
    identityKeyPublic: Buffer.from(companionIdentity),
    advSecret: hkdf(Buffer.concat([companionShared, identityShared, random]), 'adv_secret'),
    platformId: '',
  };
}
