import type { SimulatedPhone } from './simulatedPhone.ts';

export interface SignedPreKey {
  keyId: number;
  publicKey: Buffer;
  signature: Buffer;
}

/** The key bundle a device uploads (`iq xmlns=encrypt type=set`), served to whoever messages it. */
export interface UploadedKeys {
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: SignedPreKey;
  preKeys: Map<number, Buffer>;
}

/** A companion device the simulated phone has linked (what WhatsApp's servers remember about it). */
export interface LinkedDevice {
  phone: SimulatedPhone;
  deviceId: number;
  keyIndex: number;
  noiseKeyPublic: Buffer;
  identityKeyPublic: Buffer;
  keys: UploadedKeys | undefined;
  /** Whether the phone has sent this device its initial history bootstrap. */
  bootstrapped: boolean;
  /** Whether the client asked for the full history when it registered (DeviceProps.requireFullSync). */
  requiresFullSync?: boolean;
}

export function deviceJid(device: LinkedDevice): string {
  return `${device.phone.phoneNumber}:${device.deviceId}@s.whatsapp.net`;
}

export function deviceLidJid(device: LinkedDevice): string {
  return `${device.phone.lid}:${device.deviceId}@lid`;
}
