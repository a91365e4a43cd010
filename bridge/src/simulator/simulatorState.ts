import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BufferJSON } from '@whiskeysockets/baileys';
import type { SimulatedPhoneState } from './simulatedPhone.ts';
import type { SimulatedContactState } from './simulatedContact.ts';
import type { SignedPreKey } from './linkedDevice.ts';

export interface LinkedDeviceState {
  phoneNumber: string;
  deviceId: number;
  keyIndex: number;
  noiseKeyPublic: Buffer;
  identityKeyPublic: Buffer;
  keys: { registrationId: number; identityKey: Buffer; signedPreKey: SignedPreKey; preKeys: [number, Buffer][] } | null;
  bootstrapped: boolean;
}

/** Everything the simulated WhatsApp servers and phones remember, so a sandbox survives restarts. */
export interface SimulatorState {
  version: 1;
  phones: SimulatedPhoneState[];
  contacts: SimulatedContactState[];
  devices: LinkedDeviceState[];
}

export async function readSimulatorState(path: string): Promise<SimulatorState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text, BufferJSON.reviver) as SimulatorState;
  if (state.version !== 1) throw new Error(`${path}: unknown simulator state version`);
  return state;
}

/** Writes atomically (temp file, then rename): a crash mid-write never leaves half a state. */
export async function writeSimulatorState(path: string, state: SimulatorState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state, BufferJSON.replacer), { mode: 0o600 });
  await rename(temp, path);
}
