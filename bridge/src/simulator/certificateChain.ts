import { createHash } from 'node:crypto';
import { Curve, proto, WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { generateKeyPair, type KeyPair } from './curveKeys.ts';

function keyPairFromSeed(label: string): KeyPair {
  // A fixed, published root: the simulator is a sandbox and its trust anchor must be known to the
  // preload that makes Baileys trust it (see trustSimulatorRoot.ts), across processes.
  const seed = createHash('sha256').update(`whatsapp-bridge simulator ${label}`).digest();
  seed[0] &= 248;
  seed[31] &= 127;
  seed[31] |= 64;
  // X25519 of the private key with the base point (u = 9) is its public key.
  const basePoint = Buffer.alloc(32);
  basePoint[0] = 9;
  return { private: seed, public: Curve.sharedKey(seed, basePoint) };
}

export const SIMULATOR_ROOT: KeyPair = keyPairFromSeed('root');

/**
 * Builds the Noise certificate chain the server hello carries: an intermediate signed by the root
 * (Baileys checks it against WA_CERT_DETAILS.PUBLIC_KEY and the issuer serial) and a leaf for the
 * server's static key signed by the intermediate.
 */
export function buildCertificateChain(serverStaticPublic: Buffer): Uint8Array {
  const intermediate = generateKeyPair();
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: WA_CERT_DETAILS.SERIAL,
    key: intermediate.public,
    notBefore: 0,
    notAfter: 4_102_444_800,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStaticPublic,
    notBefore: 0,
    notAfter: 4_102_444_800,
  }).finish();
  return proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(SIMULATOR_ROOT.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
  }).finish();
}
