import { afterEach, beforeEach } from 'vitest';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import { BaileysClient } from './baileysClient.ts';

/** A fresh simulator and an unmodified Baileys client for every test of the file. */
export function useSimulatorAndClient(): { simulator: () => WhatsAppSimulator; client: () => BaileysClient } {
  let simulator: WhatsAppSimulator;
  let client: BaileysClient;
  beforeEach(async () => {
    simulator = await WhatsAppSimulator.start();
    client = await BaileysClient.create();
  });
  afterEach(async () => {
    await client.dispose();
    await simulator.stop();
  });
  return { simulator: () => simulator, client: () => client };
}
