import { randomBytes } from 'node:crypto';
import { getBinaryNodeChild, WA_ADV_DEVICE_SIG_PREFIX, proto, type BinaryNode } from '@whiskeysockets/baileys';
import { verifyCurveSignature } from './curveKeys.ts';
import type { DeviceConnection } from './deviceConnection.ts';
import type { PairingQr } from './pairingQr.ts';
import type { SimulatedPhone } from './simulatedPhone.ts';
import { deviceJid, deviceLidJid, type LinkedDevice } from './linkedDevice.ts';
import type { LinkCodeRequest } from './pairingCodeFlow.ts';

const REF_COUNT = 6;

/** A fresh client waiting to be linked: it has been sent pair-device refs and shows them as QRs. */
export interface PendingPairing {
  connection: DeviceConnection;
  refs: string[];
  noiseKeyPublic: Buffer;
  /** Set when the client asked to pair by phone number instead of QR. */
  linkCode?: LinkCodeRequest;
  /** The client's DeviceProps.requireFullSync (Baileys: `syncFullHistory`, validate-connection.js generateRegistrationNode). */
  requiresFullSync: boolean;
}

/**
 * Asks a registering client to show QR codes; the refs rotate on the client's side. The pairing is
 * returned at once: the client may show (and a phone scan) the first QR before its answer arrives.
 */
export function offerPairing(connection: DeviceConnection, noiseKeyPublic: Buffer, registration?: proto.ClientPayload.IDevicePairingRegistrationData | null): PendingPairing {
  const refs = Array.from({ length: REF_COUNT }, () => `2@${randomBytes(24).toString('base64')}`);
  const iq: BinaryNode = {
    tag: 'iq',
    attrs: { from: 's.whatsapp.net', type: 'set', id: connection.nextId(), xmlns: 'md' },
    content: [{ tag: 'pair-device', attrs: {}, content: refs.map((ref) => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref) })) }],
  };
  // The client acknowledges pair-device with an empty result; nothing in it matters here.
  connection.query(iq).catch(() => undefined);
  const props = registration?.deviceProps ? proto.DeviceProps.decode(registration.deviceProps) : undefined;
  return { connection, refs, noiseKeyPublic, requiresFullSync: props?.requireFullSync === true };
}

/**
 * The phone has scanned a QR: send pair-success, check the client's pair-device-sign (its device
 * signature must verify against the identity key from the QR), then ask it to restart (515) so it
 * logs in with its new identity.
 */
export async function completePairing(pending: PendingPairing, phone: SimulatedPhone, qr: PairingQr): Promise<LinkedDevice> {
  if (!pending.noiseKeyPublic.equals(qr.noiseKeyPublic)) throw new Error('QR does not belong to this connection');
  const deviceId = phone.allocateDeviceId();
  const { encoded, keyIndex } = phone.signDeviceIdentity(qr, deviceId);
  const device: LinkedDevice = {
    phone,
    deviceId,
    keyIndex,
    noiseKeyPublic: qr.noiseKeyPublic,
    identityKeyPublic: qr.identityKeyPublic,
    keys: undefined,
    bootstrapped: false,
    requiresFullSync: pending.requiresFullSync,
  };
  const reply = await pending.connection.query({
    tag: 'iq',
    attrs: { from: 's.whatsapp.net', type: 'set', id: pending.connection.nextId(), xmlns: 'md', t: String(Math.floor(Date.now() / 1000)) },
    content: [
      {
        tag: 'pair-success',
        attrs: {},
        content: [
          { tag: 'device-identity', attrs: {}, content: encoded },
          { tag: 'platform', attrs: { name: 'android' } },
          { tag: 'device', attrs: { jid: deviceJid(device), lid: deviceLidJid(device) } },
        ],
      },
    ],
  });
  verifyDeviceSignature(reply, device, phone);
  await pending.connection.send({ tag: 'stream:error', attrs: { code: '515' } });
  pending.connection.close();
  return device;
}

function verifyDeviceSignature(reply: BinaryNode, device: LinkedDevice, phone: SimulatedPhone): void {
  const sign = getBinaryNodeChild(reply, 'pair-device-sign');
  const identityNode = getBinaryNodeChild(sign, 'device-identity');
  if (reply.attrs.type !== 'result' || !(identityNode?.content instanceof Uint8Array)) {
    throw new Error('client did not answer pair-success with pair-device-sign');
  }
  const signed = proto.ADVSignedDeviceIdentity.decode(identityNode.content);
  if (!signed.details || !signed.deviceSignature) throw new Error('pair-device-sign lacks the device signature');
  const message = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, signed.details, device.identityKeyPublic, phone.identity.public]);
  if (!verifyCurveSignature(device.identityKeyPublic, message, signed.deviceSignature)) {
    throw new Error('device signature in pair-device-sign does not verify');
  }
}
