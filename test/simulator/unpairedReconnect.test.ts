import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import { baileysSocketFactory } from '../../bridge/src/whatsapp/baileysSocket.ts';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../support/stack.ts';
import { waitForQr, waitForSession } from '../support/sessionWaits.ts';

trustSimulatorRoot();

/**
 * A session that was never paired and cannot reach WhatsApp (down, or the network) is not given
 * up as qr_timeout: no QR code was ever shown. It backs off and retries like any other, and shows
 * a QR code once WhatsApp answers.
 */
describe('an unpaired session while WhatsApp is unreachable', () => {
  let simulator: WhatsAppSimulator;
  let bridge: TestBridge;
  let key: string;
  const dbName = uniqueName('unpaired');

  beforeAll(async () => {
    simulator = await WhatsAppSimulator.start();
    await simulator.stop();
    bridge = await startTestBridge({
      label: 'unpaired',
      dbName,
      env: { WA_WEBSOCKET_URL: simulator.url },
      bridgeOptions: { socketFactory: baileysSocketFactory, reconnect: { backoff: { baseMs: 100, capMs: 400 } } },
    });
    key = (await bridge.createOrganization()).apiKey;
  });
  afterAll(async () => {
    await bridge?.close();
    await simulator?.stop();
    const client = new MongoClient(MONGODB_URI);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('keeps retrying with backoff, then shows a QR code when WhatsApp is back', { timeout: 60_000 }, async () => {
    expect((await bridge.request('POST', '/v1/sessions', { key, body: { name: 'fresh' } })).status).toBe(201);
    const retrying = await waitForSession(bridge, key, 'fresh', (s) => s.status === 'reconnecting' && s.reconnectAttempts >= 2, 20_000);
    expect(retrying.desiredState).toBe('running');
    expect(retrying.lastDisconnectReason).not.toBe('qr_timeout');
    await simulator.listen();
    expect(await waitForQr(bridge, key, 'fresh', 20_000)).toMatch(/linked_devices#2@/);
    expect((await waitForSession(bridge, key, 'fresh', (s) => s.status === 'qr_ready', 5_000)).desiredState).toBe('running');
  });
});
