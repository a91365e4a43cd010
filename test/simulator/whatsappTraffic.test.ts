import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import { baileysSocketFactory } from '../../bridge/src/whatsapp/baileysSocket.ts';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../support/stack.ts';
import { hasStatus, until, waitForQr, waitForSession } from '../support/sessionWaits.ts';
import { EVENT_TYPES } from '../../bridge/src/events/eventTypes.ts';
import { SimulatedGroup } from '../../bridge/src/simulator/simulatedGroup.ts';
import { postStatus } from '../../bridge/src/simulator/statusBroadcast.ts';
import { postToChannel } from '../../bridge/src/simulator/channelPost.ts';
import { sendLinkedProfile } from '../../bridge/src/simulator/linkedProfiles.ts';
import type { SimulatedPhone } from '../../bridge/src/simulator/simulatedPhone.ts';
import { startRecordingServer, type RecordingServer } from '../support/recordingServer.ts';

trustSimulatorRoot();

interface Hook {
  type: string;
  data: Record<string, any>;
}

/**
 * What a workflow sees of real WhatsApp traffic: the bridge runs the real Baileys against the
 * simulator, which sends it as WhatsApp does (LID addressing, failed decryptions, protocol
 * messages, edits, revokes, reactions, polls); assertions are on webhook bodies and API answers.
 */
describe('real WhatsApp traffic, as a workflow sees it', () => {
  let simulator: WhatsAppSimulator;
  let bridge: TestBridge;
  let hooks: RecordingServer;
  let key: string;
  let device: LinkedDevice;
  let phone: SimulatedPhone;
  const dbName = uniqueName('traffic');
  const PHONE = '15550404040';

  // The restarted bridge must open the auth state the first one sealed.
  const encryptionKey = randomBytes(32).toString('base64');
  const startBridge = () =>
    startTestBridge({
      label: 'traffic',
      dbName,
      env: { WA_WEBSOCKET_URL: simulator.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WA_DECRYPTION_TIMEOUT: '3s', BRIDGE_ENCRYPTION_KEY: encryptionKey },
      bridgeOptions: { socketFactory: baileysSocketFactory, reconnect: { backoff: { baseMs: 200, capMs: 1_000 } } },
    });
  const received = () => hooks.requests.map((r) => r.body as Hook);
  const hooksOf = (type: string, messageId: string) => received().filter((h) => h.type === type && h.data.messageId === messageId);
  const listed = async (query: string) => (await bridge.request('GET', `/v1/messages?${query}`, { key })).body.data as Array<Record<string, any>>;
  const byMessageId = async (messageId: string) => (await listed('session=shop&limit=200')).find((m) => m.messageId === messageId);
  /** What /metrics counts of inbound stanzas ignored for `reason`. */
  const ignored = async (reason: string) => {
    const text = String((await bridge.request('GET', '/metrics')).body);
    const line = text.split('\n').find((l) => l.startsWith('wab_inbound_ignored_total{') && l.includes(`reason="${reason}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    simulator = await WhatsAppSimulator.start();
    hooks = await startRecordingServer(() => ({ status: 204 }));
    bridge = await startBridge();
    key = (await bridge.createOrganization()).apiKey;
    expect((await bridge.request('POST', '/v1/webhooks', { key, body: { url: `${hooks.url}/hook`, events: [...EVENT_TYPES] } })).status).toBe(201);
    expect((await bridge.request('POST', '/v1/sessions', { key, body: { name: 'shop' } })).status).toBe(201);
    device = await simulator.scan(await waitForQr(bridge, key, 'shop', 15_000), (phone = simulator.createPhone(PHONE, 'Shop')));
    await waitForSession(bridge, key, 'shop', hasStatus('connected'), 20_000);
  });

  afterAll(async () => {
    await bridge?.close();
    await hooks?.close();
    await simulator?.stop();
    const client = new MongoClient(MONGODB_URI);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('a LID-addressed contact who shares its number: chat and from are its phone number, the LID beside them; never an empty from', async () => {
    const contact = simulator.createContact('15557100001', 'Lia');
    contact.addressing = 'lid';
    const id = await contact.sendText(device, 'hi, I am addressed by LID');
    await until(() => hooksOf('message.received', id).length === 1, 20_000, 'message.received');
    const [hook] = hooksOf('message.received', id);
    expect(hook.data).toMatchObject({ chat: contact.jid, chatLid: contact.lidJid, from: contact.jid, fromLid: contact.lidJid, text: 'hi, I am addressed by LID' });
    // Looked up by phone number, by its JID, or by the LID: the same one conversation.
    for (const chat of ['15557100001', contact.jid, contact.lidJid]) {
      expect((await listed(`chat=${encodeURIComponent(chat)}`)).map((m) => m.messageId)).toEqual([id]);
    }
  });

  it('sending to the phone number of a LID-addressed chat: the contact gets it, its receipts (from the LID) move the status to read, from is our number', async () => {
    const contact = simulator.contact('15557100001')!;
    contact.autoDeliveryReceipts = false;
    const sent = await bridge.request('POST', '/v1/sessions/shop/messages', { key, body: { to: '15557100001', text: 'hello Lia' } });
    expect(sent.status).toBe(202);
    const got = await contact.waitForMessage((m) => m.text === 'hello Lia', 15_000);
    await contact.sendReceipt(got, 'read');
    await until(async () => (await bridge.request('GET', `/v1/messages/${sent.body.id}`, { key })).body.status === 'read', 15_000, 'status read');
    const message = (await bridge.request('GET', `/v1/messages/${sent.body.id}`, { key })).body;
    expect(message).toMatchObject({ chat: contact.jid, from: `${PHONE}@s.whatsapp.net`, fromMe: true });
    expect((await listed(`chat=${contact.jid}`)).map((m) => m.messageId)).toContain(sent.body.messageId);
  });

  it('a LID-only contact (no sender_pn) is kept under its LID, and moves to its phone number once a history sync maps it', async () => {
    const contact = simulator.createContact('15557100002', 'Noa');
    contact.addressing = 'lid';
    contact.sharesPhoneNumber = false;
    const id = await contact.sendText(device, 'who am I?');
    await until(() => hooksOf('message.received', id).length === 1, 20_000, 'message.received');
    const hook = hooksOf('message.received', id)[0];
    expect(hook.data.from).not.toBe('');
    expect([contact.lidJid, contact.jid]).toContain(hook.data.chat);
    // As a phone sends it: the chat with the contact, its LID beside it, and the mapping.
    await simulator.sendHistorySync(device, simulator.contactHistory([{ with: contact.phoneNumber, messages: [{ text: "who am I?" }] }]));
    await until(async () => (await byMessageId(id))?.chat === contact.jid, 15_000, 'the chat moved to the phone number');
    expect(await byMessageId(id)).toMatchObject({ chat: contact.jid, chatLid: contact.lidJid, from: contact.jid });
    // The contact, as history sync named it, carries both addresses.
    await until(async () => {
      const contacts = (await bridge.request('GET', '/v1/contacts?session=shop', { key })).body.data as Array<Record<string, any>>;
      return contacts.some((c) => c.jid === contact.jid && c.lid === contact.lidJid);
    }, 15_000, 'the contact with its phone number and LID');
  });

  it('the server names the phone number of a LID (lid-mapping.update): the stored chat moves to it, and the next message carries it', async () => {
    const contact = simulator.createContact('15557100020', 'Ivo');
    contact.addressing = 'lid';
    contact.sharesPhoneNumber = false;
    const id = await contact.sendText(device, 'no number yet');
    await until(() => hooksOf('message.received', id).length === 1, 20_000, 'message.received');
    expect(hooksOf('message.received', id)[0].data).toMatchObject({ chat: contact.lidJid, from: contact.lidJid });
    await sendLinkedProfile(simulator, device, contact);
    await until(async () => (await byMessageId(id))?.chat === contact.jid, 15_000, 'the chat moved to the phone number');
    expect(await byMessageId(id)).toMatchObject({ chat: contact.jid, chatLid: contact.lidJid, from: contact.jid, fromLid: contact.lidJid });
    const next = await contact.sendText(device, 'now you know my number');
    await until(() => hooksOf('message.received', next).length === 1, 20_000, 'the next message.received');
    expect(hooksOf('message.received', next)[0].data).toMatchObject({ chat: contact.jid, chatLid: contact.lidJid, from: contact.jid });
    expect((await listed(`chat=${contact.phoneNumber}`)).map((m) => m.messageId).sort()).toEqual([id, next].sort());
  });

  it('channel (newsletter) posts are counted and ignored unless the session opts in; then they are messages of the channel', async () => {
    const before = await ignored('newsletter');
    const first = await postToChannel(simulator, device, { text: 'news of the day' });
    await until(async () => (await ignored('newsletter')) === before + 1, 20_000, 'the channel post counted as ignored');
    expect(hooksOf('message.received', first.id)).toEqual([]);
    expect(await byMessageId(first.id)).toBeUndefined();

    const opted = await bridge.request('PATCH', '/v1/sessions/shop', { key, body: { receive: { newsletters: true } } });
    expect(opted.status).toBe(200);
    expect(opted.body.receive).toMatchObject({ newsletters: true });
    const kept = await postToChannel(simulator, device, { channel: first.channel, text: 'more news' });
    await until(() => hooksOf('message.received', kept.id).length === 1, 20_000, 'the channel post kept after the opt-in');
    expect(hooksOf('message.received', kept.id)[0].data).toMatchObject({ chat: first.channel, type: 'text', text: 'more news', fromMe: false });
    expect(await ignored('newsletter')).toBe(before + 1);
    expect((await bridge.request('PATCH', '/v1/sessions/shop', { key, body: { receive: { newsletters: false } } })).status).toBe(200);
  });

  it('the protocol messages a phone sends a new device never become messages', async () => {
    const all = await listed('session=shop&limit=200');
    expect(all.filter((m) => m.type === 'unsupported')).toEqual([]);
    expect(received().filter((h) => h.type === 'message.received' && h.data.rawType)).toEqual([]);
  });

  it('a failed decryption: the placeholder is not announced; the retry brings the content, announced once', async () => {
    const contact = simulator.createContact('15557100003', 'Ray');
    await contact.sendText(device, 'first, to open the session');
    const id = await contact.sendUndecryptable(device, 'the text that failed first');
    await until(() => hooksOf('message.received', id).length === 1, 20_000, 'the retried message received');
    expect(hooksOf('message.received', id)[0].data.text).toBe('the text that failed first');
    expect(simulator.receiptsFrom(device).some((r) => r.id === id && r.type === 'retry')).toBe(true);
    expect(await byMessageId(id)).toMatchObject({ text: 'the text that failed first', decryption: null });
    expect(hooksOf('message.undecryptable', id)).toEqual([]);
  });

  it('a failed decryption nobody answers: message.undecryptable once the wait is over, never message.received', async () => {
    const contact = simulator.createContact('15557100004', 'Sol');
    await contact.sendText(device, 'hello');
    contact.answersRetries = false;
    const id = await contact.sendUndecryptable(device, 'lost');
    await until(() => hooksOf('message.undecryptable', id).length === 1, 20_000, 'message.undecryptable');
    expect(hooksOf('message.received', id)).toEqual([]);
    expect(await byMessageId(id)).toMatchObject({ decryption: 'failed', text: null });
  });

  it('edit, reaction and revoke change the original and arrive as their own events', async () => {
    const contact = simulator.createContact('15557100005', 'Eva');
    const id = await contact.sendText(device, 'meet at 5');
    await until(() => hooksOf('message.received', id).length === 1, 20_000, 'message.received');

    await contact.sendEdit(device, id, 'meet at 6');
    await until(() => hooksOf('message.edited', id).length === 1, 15_000, 'message.edited');
    expect(hooksOf('message.edited', id)[0].data).toMatchObject({ text: 'meet at 6', previousText: 'meet at 5' });

    await contact.sendReaction(device, { id, sentByContact: true }, '👍');
    await until(() => hooksOf('message.reaction', id).length === 1, 15_000, 'message.reaction');
    expect(hooksOf('message.reaction', id)[0].data.reaction).toMatchObject({ from: contact.jid, emoji: '👍', removed: false });

    await contact.sendRevoke(device, id);
    await until(() => hooksOf('message.deleted', id).length === 1, 15_000, 'message.deleted');
    const stored = await byMessageId(id);
    expect(stored).toMatchObject({ text: 'meet at 6', edits: [{ text: 'meet at 5' }], reactions: [{ from: contact.jid, emoji: '👍' }] });
    expect(stored?.deletedAt).toEqual(expect.any(String));
    // None of the three was announced as a message of its own.
    const ids = received().filter((h) => h.type === 'message.received').map((h) => h.data.messageId);
    expect(ids.filter((x) => x !== id && !x.startsWith?.('3EB0'))).toEqual([]);
    expect((await listed('session=shop&limit=200')).filter((m) => m.chat === contact.jid)).toHaveLength(1);
  });

  it('a poll and a vote: the vote is decrypted with the poll\'s secret into poll.vote with the option names', async () => {
    const contact = simulator.createContact('15557100006', 'Pia');
    const pollId = await contact.sendPoll(device, 'Pizza tonight?', ['yes', 'no', 'maybe']);
    await until(() => hooksOf('message.received', pollId).length === 1, 20_000, 'the poll received');
    expect(hooksOf('message.received', pollId)[0].data).toMatchObject({ type: 'poll', poll: { name: 'Pizza tonight?', options: ['yes', 'no', 'maybe'] } });
    await contact.sendVote(device, contact.polls.get(pollId)!, ['maybe']);
    await until(() => hooksOf('poll.vote', pollId).length === 1, 15_000, 'poll.vote');
    expect(hooksOf('poll.vote', pollId)[0].data.vote).toMatchObject({ voter: contact.jid, options: ['maybe'], decrypted: true });
    expect((await byMessageId(pollId))?.poll.votes).toEqual([expect.objectContaining({ voter: contact.jid, options: ['maybe'] })]);
  });

  it('a group: chat is the group, from the participant, chatName its subject; notices and sender keys are not messages; a send to it reaches every member', async () => {
    const carol = simulator.createContact('15557100007', 'Carol');
    const dave = simulator.createContact('15557100008', 'Dave');
    const group = SimulatedGroup.create(simulator, { subject: 'Night shift', members: [carol, dave, phone] });
    const first = await group.sendText(carol, device, 'who is in tonight?');
    const second = await group.sendText(dave, device, 'me');
    await until(() => hooksOf('message.received', second.id).length === 1, 20_000, 'the second group message');
    expect(hooksOf('message.received', first.id)[0].data).toMatchObject({ chat: group.jid, from: carol.jid, chatName: 'Night shift', text: 'who is in tonight?' });
    expect(hooksOf('message.received', second.id)[0].data).toMatchObject({ chat: group.jid, from: dave.jid, chatName: 'Night shift' });
    const erin = simulator.createContact('15557100009', 'Erin');
    const noticeId = (await group.addParticipants([erin], device))!;
    const after = await group.sendText(erin, device, 'hi, new here');
    await until(() => hooksOf('message.received', after.id).length === 1, 20_000, 'the newcomer\'s message');
    expect(hooksOf('message.received', noticeId)).toEqual([]);
    expect((await listed(`chat=${encodeURIComponent(group.jid)}`)).map((m) => m.text).sort()).toEqual(['hi, new here', 'me', 'who is in tonight?']);

    const sent = await bridge.request('POST', '/v1/sessions/shop/messages', { key, body: { to: group.jid, text: 'I am in' } });
    expect(sent.status).toBe(202);
    await carol.waitForMessage((m) => m.text === 'I am in', 15_000);
    await dave.waitForMessage((m) => m.text === 'I am in', 15_000);
  });

  it('status posts are not messages of a chat (unless a session opts in)', async () => {
    const carol = simulator.contact('15557100007')!;
    const posted = await postStatus(simulator, carol, device, 'at the beach');
    // A message after it, from the same contact: once it is stored, the status post was handled.
    const id = await carol.sendText(device, 'did you see my status?');
    await until(() => hooksOf('message.received', id).length === 1, 20_000, 'the message after the status');
    expect(hooksOf('message.received', posted.id)).toEqual([]);
    expect(await byMessageId(posted.id)).toBeUndefined();

    const opted = await bridge.request('PATCH', '/v1/sessions/shop', { key, body: { receive: { statusBroadcasts: true } } });
    expect(opted.status).toBe(200);
    expect(opted.body.receive).toEqual({ statusBroadcasts: true, newsletters: false, history: 'recent' });
    const kept = (await postStatus(simulator, carol, device, 'sunset')).id;
    await until(() => hooksOf('message.received', kept).length === 1, 20_000, 'the status post kept after the opt-in');
    expect(hooksOf('message.received', kept)[0].data).toMatchObject({ chat: 'status@broadcast', from: carol.jid });
    expect((await bridge.request('PATCH', '/v1/sessions/shop', { key, body: { receive: { everything: true } } })).status).toBe(400);
  });

  it('a contact that asks again for a message after the bridge restarted gets it again, from the store (getMessage)', async () => {
    const contact = simulator.createContact('15557100010', 'Rita');
    const sent = await bridge.request('POST', '/v1/sessions/shop/messages', { key, body: { to: contact.phoneNumber, text: 'your order shipped' } });
    expect(sent.status).toBe(202);
    const first = await contact.waitForMessage((m) => m.text === 'your order shipped', 15_000);
    // A new process: Baileys' in-memory cache of recent messages is gone, only the store has it.
    await bridge.close();
    bridge = await startBridge();
    await waitForSession(bridge, key, 'shop', hasStatus('connected'), 20_000);
    const before = contact.received.filter((m) => m.id === first.id).length;
    await contact.requestRetry(first);
    await until(() => contact.received.filter((m) => m.id === first.id).length > before, 15_000, 'the message sent again');
    expect(contact.received.filter((m) => m.id === first.id).at(-1)?.text).toBe('your order shipped');
  });
});
