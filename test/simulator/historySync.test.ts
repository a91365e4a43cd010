import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jidNormalizedUser, proto, type BaileysEventMap, type WAMessage, type WASocket } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import type { SimulatedPhone } from '../../bridge/src/simulator/simulatedPhone.ts';
import { startSandboxSimulator, type SandboxSimulator } from '../../bridge/src/simulator/sandboxSimulator.ts';
import { useSandboxBridge } from '../support/sandboxBridge.ts';
import type { TestBridge } from '../support/stack.ts';
import { hasStatus, until, waitForSession } from '../support/sessionWaits.ts';
import { BaileysClient } from './baileysClient.ts';
import { nextEvent } from './socketEvents.ts';

const Type = proto.Message.ProtocolMessage.Type;

/** As the bridge configures Baileys: no full history asked for, but every sync it gets processed. */
const BRIDGE_LIKE = { syncFullHistory: false, shouldSyncHistoryMessage: () => true };


/** The protocol messages among what Baileys upserted, in order. */
function protocolMessages(client: BaileysClient): { message: WAMessage; type: BaileysEventMap['messages.upsert']['type'] }[] {
  return client.upserts.flatMap((u) => u.messages.filter((m) => m.message?.protocolMessage).map((message) => ({ message, type: u.type })));
}

/** The PN Baileys has for a LID; it answers in the device-0 form (`…:0@s.whatsapp.net`). */
async function pnFor(socket: WASocket, lid: string): Promise<string | null> {
  const pn = await socket.signalRepository.lidMapping.getPNForLID(lid);
  return pn ? jidNormalizedUser(pn) : null;
}

const NEW_DEVICE_TYPES = [Type.HISTORY_SYNC_NOTIFICATION, Type.APP_STATE_SYNC_KEY_SHARE, Type.INITIAL_SECURITY_NOTIFICATION_SETTING_SYNC];

/** Why Baileys could not decrypt what the phone sent (its CIPHERTEXT stubs' parameters); none expected. */
function undecryptedFromPhone(client: BaileysClient, phone: SimulatedPhone): unknown[] {
  return client.upserts
    .flatMap((u) => u.messages)
    .filter((m) => m.key.remoteJid === phone.jid && m.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT)
    .map((m) => m.messageStubParameters ?? []);
}

/** Resolves once Baileys has upserted the phone's first three messages (they must not merge with a later sync). */
async function newDeviceMessagesArrived(client: BaileysClient): Promise<void> {
  await expect.poll(() => protocolMessages(client).map((p) => p.message.message?.protocolMessage?.type), { timeout: 15_000 }).toEqual(NEW_DEVICE_TYPES);
}

describe('what the simulated phone sends a linked device, through the unmodified Baileys', () => {
  let simulator: WhatsAppSimulator;
  let client: BaileysClient;
  let phone: SimulatedPhone;
  let socket: WASocket;
  let device: LinkedDevice;

  beforeEach(async () => {
    simulator = await WhatsAppSimulator.start();
    client = await BaileysClient.create();
    phone = simulator.createPhone('15550003333', 'Erin');
    ({ socket, device } = await client.pair(simulator, phone, BRIDGE_LIKE));
  });

  afterEach(async () => {
    await client.dispose();
    await simulator.stop();
  });

  it('sends a new device the history bootstrap, then the app state key and the security setting, as fromMe peer messages', async () => {
    await newDeviceMessagesArrived(client);
    for (const { message, type } of protocolMessages(client)) {
      expect(type).toBe('notify');
      expect(message.key).toMatchObject({ remoteJid: phone.jid, fromMe: true });
      expect(message.category).toBe('peer');
    }
    const [bootstrap, keyShare, security] = protocolMessages(client).map((p) => p.message);
    expect(bootstrap.message?.protocolMessage?.historySyncNotification).toMatchObject({ syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP, progress: 100 });
    expect(security.message?.protocolMessage?.initialSecurityNotificationSettingSync).toMatchObject({ securityNotificationEnabled: false });

    // Baileys keeps the shared key for app state and names it its current one.
    const [shared] = keyShare.message?.protocolMessage?.appStateSyncKeyShare?.keys ?? [];
    const keyId = Buffer.from(shared.keyId?.keyId ?? []).toString('base64');
    expect(shared.keyData?.keyData).toHaveLength(32);
    await expect.poll(() => socket.authState.creds.myAppStateKeyId).toBe(keyId);
    const stored = await socket.authState.keys.get('app-state-sync-key', [keyId]);
    expect(Buffer.from(stored[keyId]?.keyData ?? []).equals(Buffer.from(shared.keyData?.keyData ?? []))).toBe(true);

    // Peer messages are acknowledged with peer_msg receipts, the history sync also with hist_sync.
    const ids = [bootstrap, keyShare, security].map((m) => m.key.id);
    await expect.poll(() => simulator.receiptsFrom(device).filter((r) => r.type === 'peer_msg').map((r) => r.id)).toEqual(ids);
    expect(simulator.receiptsFrom(device).filter((r) => r.type === 'hist_sync').map((r) => r.id)).toEqual([bootstrap.key.id]);
    expect(undecryptedFromPhone(client, phone)).toEqual([]);
  });

  it('unlinks a device right after linking it only once the device has taken in what the phone sent it', async () => {
    // The phone logs the device out while Baileys is still decrypting the link-time messages (the
    // first needs a USync round trip for the phone's LID): none of them may be lost or undecryptable.
    await simulator.logOut(device);
    await newDeviceMessagesArrived(client);
    expect(undecryptedFromPhone(client, phone)).toEqual([]);
    expect(simulator.receiptsFrom(device).filter((r) => r.type === 'peer_msg')).toHaveLength(NEW_DEVICE_TYPES.length);
  });

  it('syncs two chats of three messages each, and Baileys learns the contacts\' LIDs from it', async () => {
    const carol = simulator.createContact('15557770011', 'Carol');
    const dave = simulator.createContact('15557770012', 'Dave');
    await newDeviceMessagesArrived(client);
    expect(await pnFor(socket, carol.lidJid)).toBeNull();

    const now = Math.floor(Date.now() / 1000);
    const chat = (jid: string, name: string, prefix: string) => ({
      jid,
      name,
      messages: [
        { id: `${prefix}01`, text: `${name}: first`, timestamp: now - 300 },
        { id: `${prefix}02`, text: 'my answer', fromMe: true, timestamp: now - 200 },
        { id: `${prefix}03`, text: `${name}: last`, timestamp: now - 100 },
      ],
    });
    const history = nextEvent(socket, 'messaging-history.set', (h) => h.messages.length > 0);
    const sent = await simulator.sendHistorySync(device, {
      syncType: 'RECENT',
      conversations: [chat(carol.jid, 'Carol', 'CAROL0000'), chat(dave.jid, 'Dave', 'DAVE00000')],
      mappings: [carol, dave].map((c) => ({ pn: c.jid, lid: c.lidJid })),
      pushNames: [carol, dave].map((c) => ({ jid: c.jid, pushName: c.pushName })),
    });
    expect(sent).toMatchObject({ messages: 6, mappings: 2 });

    const set = await history;
    expect(set.syncType).toBe(proto.HistorySync.HistorySyncType.RECENT);
    const messages = set.messages.map((m) => ({
      remoteJid: m.key.remoteJid,
      fromMe: m.key.fromMe,
      id: m.key.id,
      text: m.message?.conversation,
      timestamp: Number(m.messageTimestamp),
      pushName: m.pushName ?? undefined,
    }));
    expect(messages).toHaveLength(6);
    expect(messages).toEqual(
      expect.arrayContaining([
        { remoteJid: carol.jid, fromMe: false, id: 'CAROL000001', text: 'Carol: first', timestamp: now - 300, pushName: 'Carol' },
        { remoteJid: carol.jid, fromMe: true, id: 'CAROL000002', text: 'my answer', timestamp: now - 200, pushName: undefined },
        { remoteJid: dave.jid, fromMe: false, id: 'DAVE0000003', text: 'Dave: last', timestamp: now - 100, pushName: 'Dave' },
      ]),
    );
    // Each chat carries its newest message, and the conversation's name becomes the contact's.
    expect(set.chats.map((c) => [c.id, c.messages?.[0]?.message?.key?.id])).toEqual([
      [carol.jid, 'CAROL000003'],
      [dave.jid, 'DAVE0000003'],
    ]);
    expect(set.contacts).toEqual(expect.arrayContaining([expect.objectContaining({ id: carol.jid, name: 'Carol' }), expect.objectContaining({ id: dave.jid, name: 'Dave' })]));
    // Baileys rc14 stores phoneNumberToLidMappings but drops lidPnMappings from the event: it is
    // emitted inside upsertMessage's event buffer, whose consolidated history set has no such field.
    expect(set.lidPnMappings).toBeUndefined();
    for (const contact of [carol, dave]) {
      expect(await pnFor(socket, contact.lidJid)).toBe(contact.jid);
      expect(await socket.signalRepository.lidMapping.getLIDForPN(contact.jid)).toBe(contact.lidJid);
    }
    // The sync came on the session the phone opened for the link-time messages, still as pkmsg.
    expect(undecryptedFromPhone(client, phone)).toEqual([]);

    // The contact can still write: Baileys now decrypts under the LID it learnt.
    const live = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.message?.conversation === 'after the sync'));
    await carol.sendText(device, 'after the sync');
    expect((await live).messages[0].key.fromMe).toBe(false);
  });
});

describe('POST /control/history-sync', () => {
  let sandbox: SandboxSimulator;
  let client: BaileysClient;

  beforeEach(async () => {
    sandbox = await startSandboxSimulator({ port: 0 });
    client = await BaileysClient.create();
  });

  afterEach(async () => {
    await client.dispose();
    await sandbox.stop();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${sandbox.controlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }

  it('builds history from the simulated contacts, or from the chats given, with their PN↔LID pairs', async () => {
    const simulator = sandbox.simulator;
    const frank = simulator.createContact('15557770021', 'Frank');
    const grace = simulator.createContact('15557770022', 'Grace');
    const { socket } = await client.pair(simulator, simulator.createPhone('15550004444', 'Heidi'), BRIDGE_LIKE);
    await newDeviceMessagesArrived(client);

    const byDefault = nextEvent(socket, 'messaging-history.set', (h) => h.messages.length > 0);
    expect(await post('/history-sync', { to: '15550004444' })).toEqual({ status: 201, body: { to: '15550004444:1@s.whatsapp.net', messages: 4, mappings: 2 } });
    const greeted = await byDefault;
    expect(greeted.chats.map((c) => c.id).sort()).toEqual([frank.jid, grace.jid]);
    expect(greeted.messages.filter((m) => m.key.fromMe).map((m) => m.message?.conversation).sort()).toEqual(['Hi Frank!', 'Hi Grace!']);
    expect(await pnFor(socket, grace.lidJid)).toBe(grace.jid);

    // A number not met before becomes a contact, with a LID, as on first use elsewhere.
    const given = nextEvent(socket, 'messaging-history.set', (h) => h.messages.length > 0);
    const chats = [{ with: '15557770023', messages: [{ text: 'are you there?' }, { text: 'yes', fromMe: true }, { text: 'good' }] }];
    expect(await post('/history-sync', { to: '15550004444:1@s.whatsapp.net', chats })).toMatchObject({ status: 201, body: { messages: 3, mappings: 1 } });
    const ivan = simulator.contact('15557770023');
    expect(ivan).toBeDefined();
    expect((await given).messages.map((m) => [m.key.fromMe, m.message?.conversation])).toEqual(
      expect.arrayContaining([
        [false, 'are you there?'],
        [true, 'yes'],
        [false, 'good'],
      ]),
    );
    expect(await pnFor(socket, ivan?.lidJid ?? '')).toBe('15557770023@s.whatsapp.net');

    expect((await post('/history-sync', { to: '15559999999' })).body.error.code).toBe('device_not_found');
    expect((await post('/history-sync', { to: '15550004444', chats: [{ with: '+1', messages: [] }] })).body.error.code).toBe('validation_failed');
  });
});

describe('POST /v1/sandbox/sessions/:name/history-sync', () => {
  let bridge: TestBridge;
  let key: string;
  useSandboxBridge('historysync', (started, apiKey) => {
    bridge = started;
    key = apiKey;
  });

  it('has the session\'s phone send it history with the contacts given', async () => {
    await bridge.request('POST', '/v1/sessions', { key, body: { name: 'history' } });
    expect((await bridge.request('POST', '/v1/sandbox/sessions/history/history-sync', { key, body: {} })).body.error.code).toBe('session_not_connected');
    let scanned: { status: number } = { status: 0 };
    await until(async () => {
      scanned = await bridge.request('POST', '/v1/sandbox/sessions/history/scan', { key, body: { phoneNumber: '15550205050' } });
      return scanned.status !== 404;
    }, 15_000, 'a QR code to scan');
    expect(scanned.status).toBe(201);
    await waitForSession(bridge, key, 'history', hasStatus('connected'), 20_000);

    const chats = [{ with: '15557005050', messages: [{ text: 'old news' }, { text: 'old reply', fromMe: true }] }];
    const synced = await bridge.request('POST', '/v1/sandbox/sessions/history/history-sync', { key, body: { chats } });
    expect(synced).toMatchObject({ status: 201, body: { to: '15550205050:1@s.whatsapp.net', messages: 2, mappings: 1 } });
    const invalid = await bridge.request('POST', '/v1/sandbox/sessions/history/history-sync', { key, body: { chats: [{ with: '15557005050', messages: [{ text: '' }] }] } });
    expect(invalid.status).toBe(400);

    // Baileys handles messages one at a time: once the contact's next message is stored, the
    // history (and the contact's LID in it) has been through the bridge's Baileys too.
    const inbound = await bridge.request('POST', '/v1/sandbox/sessions/history/messages', { key, body: { from: '15557005050', text: 'new after history' } });
    expect(inbound.status).toBe(201);
    const stored = async () =>
      (await bridge.request('GET', '/v1/messages?session=history&direction=in', { key })).body.data.filter((m: { messageId: string }) => m.messageId === inbound.body.messageId);
    await until(async () => (await stored()).length === 1, 15_000, 'the message after the history stored');
    // Kept (WA_HISTORY_SYNC's default, recent), both sides of the chat.
    const texts = async (session: string) => ((await bridge.request('GET', `/v1/messages?session=${session}&limit=200`, { key })).body.data as Array<{ text: string }>).map((m) => m.text);
    await until(async () => (await texts('history')).includes('old reply'), 15_000, 'the history stored');
    expect(await texts('history')).toEqual(expect.arrayContaining(['old news', 'old reply']));
  });

  it('a session set to keep no history: its LID mappings and contacts are learned, its messages not stored; the setting applies to the next sync', async () => {
    const created = await bridge.request('POST', '/v1/sessions', { key, body: { name: 'quiet', receive: { history: 'off' } } });
    expect(created.status).toBe(201);
    expect(created.body.receive).toEqual({ statusBroadcasts: false, newsletters: false, history: 'off' });
    expect((await bridge.request('POST', '/v1/sessions', { key, body: { name: 'loud', receive: { history: 'everything' } } })).status).toBe(400);
    let scanned: { status: number; body?: any } = { status: 0 };
    await until(async () => (scanned = await bridge.request('POST', '/v1/sandbox/sessions/quiet/scan', { key, body: { phoneNumber: '15550206060' } })).status === 201, 15_000, 'a QR code to scan');
    expect(scanned.body.device.requiresFullSync).toBe(false);
    await waitForSession(bridge, key, 'quiet', hasStatus('connected'), 20_000);
    const texts = async () => ((await bridge.request('GET', '/v1/messages?session=quiet&limit=200', { key })).body.data as Array<{ text: string }>).map((m) => m.text);
    const contact = async (number: string) =>
      ((await bridge.request('GET', '/v1/contacts?session=quiet', { key })).body.data as Array<{ jid: string; lid: string | null }>).find((c) => c.jid === `${number}@s.whatsapp.net`);

    const first = await bridge.request('POST', '/v1/sandbox/sessions/quiet/history-sync', { key, body: { chats: [{ with: '15557006060', messages: [{ text: 'not kept' }] }] } });
    expect(first.status).toBe(201);
    await until(async () => !!(await contact('15557006060'))?.lid, 15_000, 'the contact and its LID from the first sync');

    const changed = await bridge.request('PATCH', '/v1/sessions/quiet', { key, body: { receive: { history: 'recent' } } });
    expect(changed.body.receive).toMatchObject({ history: 'recent' });
    const second = await bridge.request('POST', '/v1/sandbox/sessions/quiet/history-sync', { key, body: { chats: [{ with: '15557006061', messages: [{ text: 'kept' }] }] } });
    expect(second.status).toBe(201);
    await until(async () => (await texts()).includes('kept'), 15_000, 'the second sync stored');
    expect(await texts()).not.toContain('not kept');
  });

  it('a session set to keep the full history asks WhatsApp for it when it pairs', async () => {
    const created = await bridge.request('POST', '/v1/sessions', { key, body: { name: 'deep', receive: { history: 'full' } } });
    expect(created.body.receive).toMatchObject({ history: 'full' });
    let scanned: { status: number; body?: any } = { status: 0 };
    await until(async () => (scanned = await bridge.request('POST', '/v1/sandbox/sessions/deep/scan', { key, body: { phoneNumber: '15550207070' } })).status === 201, 15_000, 'a QR code to scan');
    expect(scanned.body.device).toMatchObject({ phoneNumber: '15550207070', requiresFullSync: true });
  });
});
