export interface PairingQr {
  ref: string;
  /** The companion's long-term noise key: the server recognises the device by it on login. */
  noiseKeyPublic: Buffer;
  /** The companion's Signal identity key, which the phone's account signature covers. */
  identityKeyPublic: Buffer;
  advSecret: Buffer;
  platformId: string;
}

const PREFIX = 'https://wa.me/settings/linked_devices#';

/** Reads the QR string Baileys emits (`buildPairingQRData`): ref,noiseKey,identityKey,advSecret,platform. */
export function parsePairingQr(qr: string): PairingQr {
  const body = qr.startsWith(PREFIX) ? qr.slice(PREFIX.length) : qr;
  const parts = body.split(',');
  if (parts.length < 4) throw new Error('not a WhatsApp pairing QR');
  const [ref, noiseKey, identityKey, advSecret, platformId = ''] = parts;
  const noiseKeyPublic = Buffer.from(noiseKey, 'base64');
  const identityKeyPublic = Buffer.from(identityKey, 'base64');
  if (noiseKeyPublic.length !== 32 || identityKeyPublic.length !== 32) throw new Error('QR keys are not 32-byte Curve25519 keys');
  return { ref, noiseKeyPublic, identityKeyPublic, advSecret: Buffer.from(advSecret, 'base64'), platformId };
}
