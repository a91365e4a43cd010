import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { SIMULATOR_ROOT } from './certificateChain.ts';

/**
 * Makes this process's Baileys accept the simulator's Noise certificate chain by swapping the
 * WhatsApp root key it checks the intermediate against. Baileys 7.0.0-rc14 accepts any chain (its
 * signature check cannot fail), so this matters only once that is fixed; it must then never run
 * outside tests and sandbox mode, since it stops Baileys trusting the real WhatsApp servers.
 * WA_CERT_DETAILS is a plain exported object, so the property can be replaced in place.
 */
export function trustSimulatorRoot(): void {
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(SIMULATOR_ROOT.public);
}
