import { createHmac, randomInt } from 'node:crypto';
import { Curve, proto, WA_ADV_ACCOUNT_SIG_PREFIX } from '@whiskeysockets/baileys';
import { generateKeyPair, type KeyPair } from './curveKeys.ts';
import type { PairingQr } from './pairingQr.ts';
import { SignalEndpoint, type SignalEndpointState } from './signalEndpoint.ts';

/**
 * The primary device of a simulated account: it owns the account identity key that vouches for
 * every linked (companion) device, the way a phone does when it scans a WhatsApp Web QR.
 */
export interface SimulatedPhoneState {
  phoneNumber: string;
  pushName: string;
  lid: string;
  identity: KeyPair;
  nextDeviceId: number;
  signal: SignalEndpointState;
}

export class SimulatedPhone {
  readonly phoneNumber: string;
  readonly lid: string;
  readonly pushName: string;
  readonly identity: KeyPair;
  /** The phone's own Signal device (device 0), to which companions copy what they send. */
  readonly signal: SignalEndpoint;
  #nextDeviceId: number;

  constructor(phoneNumber: string, pushName = 'Sandbox Phone', restored?: Omit<SimulatedPhoneState, 'phoneNumber' | 'pushName'>) {
    this.phoneNumber = phoneNumber;
    this.pushName = pushName;
    this.lid = restored?.lid ?? String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100_000, 999_999));
    this.identity = restored?.identity ?? generateKeyPair();
    this.signal = new SignalEndpoint(restored?.signal);
    this.#nextDeviceId = restored?.nextDeviceId ?? 1;
  }

  state(): SimulatedPhoneState {
    return {
      phoneNumber: this.phoneNumber,
      pushName: this.pushName,
      lid: this.lid,
      identity: this.identity,
      nextDeviceId: this.#nextDeviceId,
      signal: this.signal.state(),
    };
  }

  get jid(): string {
    return `${this.phoneNumber}@s.whatsapp.net`;
  }

  get lidJid(): string {
    return `${this.lid}@lid`;
  }

  allocateDeviceId(): number {
    return this.#nextDeviceId++;
  }

  /**
   * The `device-identity` content of pair-success: the account signs the device details and the
   * companion's identity key, and the HMAC under the QR's ADV secret proves the phone saw the QR.
   */
  signDeviceIdentity(qr: PairingQr, deviceId: number): { encoded: Uint8Array; keyIndex: number } {
    const keyIndex = deviceId;
    const details = proto.ADVDeviceIdentity.encode({
      rawId: randomInt(1, 2 ** 31 - 1),
      timestamp: Math.floor(Date.now() / 1000),
      keyIndex,
      deviceType: proto.ADVEncryptionType.E2EE,
    }).finish();
    const accountSignature = Curve.sign(
      this.identity.private,
      Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, qr.identityKeyPublic]),
    );
    const signed = proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: this.identity.public,
      accountSignature,
    }).finish();
    const hmac = createHmac('sha256', qr.advSecret).update(signed).digest();
    return { encoded: proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish(), keyIndex };
  }
}
