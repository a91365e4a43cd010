import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import type { SimulatedPhone } from '../../bridge/src/simulator/simulatedPhone.ts';
import { baileysSocketFactory } from '../../bridge/src/whatsapp/baileysSocket.ts';
import type { SocketFactory } from '../../bridge/src/whatsapp/socket.ts';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../support/stack.ts';
import { hasStatus, until, waitForQr, waitForSession } from '../support/sessionWaits.ts';

trustSimulatorRoot();

/**
 * A send whose outcome is unknown is never sent twice. The session's socket (real Baileys, on
 * the simulator) lives on the owner instance, which takes its time to send; the API instance asks
 * it over the owner RPC and stops waiting before the owner answers. The message went out anyway:
 * a retry with the same Idempotency-Key must get the first answer, not a second message.
 */
describe('a send whose outcome is unknown', () => {
  let simulator: WhatsAppSimulator;
  let phone: SimulatedPhone;
  let owner: TestBridge;
  let api: TestBridge;
  let key: string;
  let socketSends = 0;
  let release: () => void = () => undefined;
  const dbName = uniqueName('outcome');
  const prefix = uniqueName('outcome');
  const encryptionKey = randomBytes(32).toString('base64');

  // The owner's WhatsApp sends wait for the test to let them go (after the API has given up on them).
  const slowSends: SocketFactory = (options) => {
    const socket = baileysSocketFactory(options);
    const send = socket.sendMessage.bind(socket);
    socket.sendMessage = async (...args: Parameters<typeof send>) => {
      socketSends += 1;
      await new Promise<void>((r) => (release = r));
      return await send(...args);
    };
    return socket;
  };

  beforeAll(async () => {
    simulator = await WhatsAppSimulator.start();
    phone = simulator.createPhone('15550202020', 'Sandbox Owner');
    const env = { WA_WEBSOCKET_URL: simulator.url, BRIDGE_ENCRYPTION_KEY: encryptionKey, REDIS_KEY_PREFIX: prefix, SESSION_LEASE_MS: '3000' };
    owner = await startTestBridge({ label: 'owner', dbName, env: { ...env, INSTANCE_ID: 'owner', BRIDGE_ROLES: 'sessions,inbound,webhooks' }, bridgeOptions: { socketFactory: slowSends } });
    api = await startTestBridge({ label: 'api', dbName, env: { ...env, INSTANCE_ID: 'api', BRIDGE_ROLES: 'api' }, bridgeOptions: { sessionRpcMs: 500 } });
    key = (await api.createOrganization()).apiKey;
  });

  afterAll(async () => {
    release();
    await api?.close();
    await owner?.close();
    await simulator?.stop();
    const client = new MongoClient(MONGODB_URI);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('the owner sends after the API gave up on its RPC; a retry with the same key sends nothing more', { timeout: 60_000 }, async () => {
    expect((await api.request('POST', '/v1/sessions', { key, body: { name: 'shop' } })).status).toBe(201);
    const qr = await waitForQr(api, key, 'shop', 20_000);
    await simulator.scan(qr, phone);
    await waitForSession(api, key, 'shop', hasStatus('connected'), 20_000);
    const contact = simulator.createContact('15557004040', 'Erik');

    const body = { to: '15557004040', text: 'exactly once, please' };
    const headers = { 'idempotency-key': 'order-77' };
    const first = await api.request('POST', '/v1/sessions/shop/messages', { key, body, headers });
    // The owner did not answer in time: the API cannot know whether it went out, and says so.
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('pending');
    expect(socketSends).toBe(1);

    // The owner's send goes out after all; the contact gets it.
    release();
    await contact.waitForMessage((m) => m.text === body.text, 20_000);

    // The client retries, as clients do after a timeout: the first answer, and no second send.
    const retry = await api.request('POST', '/v1/sessions/shop/messages', { key, body, headers });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(socketSends).toBe(1);
    // The contact's receipt settles the status the API could not know.
    await until(async () => (await api.request('GET', `/v1/messages/${first.body.id}`, { key })).body.status === 'delivered', 20_000, 'delivered, from the receipt');
    expect(contact.received.filter((m) => m.text === body.text)).toHaveLength(1);
  });
});
