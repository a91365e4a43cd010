import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import type { SimulatedPhone } from '../../bridge/src/simulator/simulatedPhone.ts';
import { baileysSocketFactory } from '../../bridge/src/whatsapp/baileysSocket.ts';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../support/stack.ts';
import { hasStatus, until, waitForQr, waitForSession } from '../support/sessionWaits.ts';

trustSimulatorRoot();

/**
 * End to end: the bridge runs the real Baileys (its production socket factory) against the
 * simulator; only WhatsApp's side is simulated.
 */
describe('the bridge with real Baileys against the simulator', () => {
  let simulator: WhatsAppSimulator;
  let bridge: TestBridge;
  let key: string;
  let phone: SimulatedPhone;
  const dbName = uniqueName('e2e');
  // The restarted bridge must open the auth state the first one sealed.
  const encryptionKey = randomBytes(32).toString('base64');

  const startBridge = () =>
    startTestBridge({
      label: 'e2e',
      dbName,
      env: {
        WA_WEBSOCKET_URL: simulator.url,
        BRIDGE_ENCRYPTION_KEY: encryptionKey,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      bridgeOptions: { socketFactory: baileysSocketFactory, reconnect: { backoff: { baseMs: 200, capMs: 1_000 } } },
    });

  beforeAll(async () => {
    simulator = await WhatsAppSimulator.start();
    phone = simulator.createPhone('15550101010', 'Sandbox Alice');
    bridge = await startBridge();
    key = (await bridge.createOrganization()).apiKey;
  });

  afterAll(async () => {
    await bridge?.close();
    await simulator?.stop();
    const client = new MongoClient(MONGODB_URI);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('pairs through the QR endpoint: the phone scans the QR the API shows, the session connects', async () => {
    expect((await bridge.request('POST', '/v1/sessions', { key, body: { name: 'alice' } })).status).toBe(201);
    const qr = await waitForQr(bridge, key, 'alice', 15_000);
    const device = await simulator.scan(qr, phone);
    const session = await waitForSession(bridge, key, 'alice', hasStatus('connected'), 20_000);
    expect(session.phoneNumber).toBe('15550101010');
    expect(simulator.connectionOf(device)).toBeDefined();
    expect((await bridge.request('GET', '/v1/sessions/alice/qr', { key })).status).toBe(404);
  });

  it('stores an inbound message once, however often WhatsApp delivers it', async () => {
    const contact = simulator.createContact('15557003030', 'Dora');
    const [device] = simulator.devices();
    const id = await contact.sendText(device, 'hi bridge, this is Dora');
    const find = async () => (await bridge.request('GET', '/v1/messages?session=alice&direction=in', { key })).body.data.filter((m: { messageId: string }) => m.messageId === id);
    await until(async () => (await find()).length === 1, 15_000, 'the inbound message stored');
    await contact.redeliver(id);
    await until(() => simulator.receiptsFrom(device).filter((r) => r.id === id).length >= 2, 10_000, 'the redelivery acknowledged');
    const stored = await find();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ text: 'hi bridge, this is Dora', fromMe: false, direction: 'in', chat: contact.jid });
  });

  it('sends through the API: the contact decrypts it, and its receipts move the message to read', async () => {
    const contact = simulator.contact('15557003030')!;
    contact.autoDeliveryReceipts = false;
    const sent = await bridge.request('POST', '/v1/sessions/alice/messages', { key, body: { to: '15557003030', text: 'hello Dora, from the bridge' } });
    expect(sent.status).toBe(202);
    const received = await contact.waitForMessage((m) => m.text === 'hello Dora, from the bridge', 15_000);
    const statusOf = async () => (await bridge.request('GET', `/v1/messages/${sent.body.id}`, { key })).body.status;
    // At once, as a phone on a fast network does: a receipt that beats Baileys' own buffered copy
    // of the sent message is folded into that copy, whose status the bridge applies.
    await contact.sendReceipt(received, 'delivery');
    await until(async () => (await statusOf()) === 'delivered', 10_000, 'status delivered');
    await contact.sendReceipt(received, 'read');
    await until(async () => (await statusOf()) === 'read', 10_000, 'status read');
  });

  it('delivers an inbound message to a registered webhook', async () => {
    const hits: Array<{ type: string; data: { text: string | null; messageId: string } }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        hits.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      expect((await bridge.request('POST', '/v1/webhooks', { key, body: { url, events: ['message.received'] } })).status).toBe(201);
      const contact = simulator.contact('15557003030')!;
      const id = await contact.sendText(simulator.devices()[0], 'for the webhook');
      await until(() => hits.some((h) => h.type === 'message.received' && h.data.messageId === id), 20_000, 'the webhook delivery');
      expect(hits.find((h) => h.data.messageId === id)?.data.text).toBe('for the webhook');
    } finally {
      server.close();
    }
  });

  it('reconnects without a QR after a bridge restart (auth state from MongoDB)', async () => {
    await bridge.close();
    bridge = await startBridge();
    await waitForSession(bridge, key, 'alice', hasStatus('connected'), 20_000);
    expect(simulator.devices()).toHaveLength(1);
  });

  it('survives the simulator going away and coming back, reconnecting with backoff', async () => {
    await simulator.stop();
    await waitForSession(bridge, key, 'alice', (s) => s.status === 'reconnecting' || s.status === 'connecting', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await simulator.listen();
    const session = await waitForSession(bridge, key, 'alice', hasStatus('connected'), 20_000);
    expect(session.reconnectAttempts).toBe(0);
  });

  it('is logged out when the phone removes the device, and its auth state is wiped', async () => {
    const [device] = simulator.devices();
    const doc = await bridge.state.models.Session.findOne({ name: 'alice' }).lean();
    expect(await bridge.state.models.AuthState.countDocuments({ sessionId: String(doc?._id) })).toBeGreaterThan(0);
    await simulator.logOut(device);
    const session = await waitForSession(bridge, key, 'alice', hasStatus('logged_out'), 15_000);
    expect(session.lastDisconnectReason).toBe('logged_out');
    await until(async () => (await bridge.state.models.AuthState.countDocuments({ sessionId: String(doc?._id) })) === 0, 5_000, 'auth state wiped');
  });
});
