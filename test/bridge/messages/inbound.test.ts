import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessagingBridge, waitUntil, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { asDelivered, fixtures, messageId, PEER, textMessage } from '../../support/waMessages.ts';
import type { FakeSocket } from '../../support/fakeSocket.ts';

let tb: MessagingTestBridge;
let org: { id: string; apiKey: string };
let socket: FakeSocket;

beforeAll(async () => {
  tb = await startMessagingBridge({ label: 'inbound' });
  org = await tb.createOrganization('Inbound');
  socket = tb.gateway.connect(org.id, 'main');
});
afterAll(async () => tb?.close());

const messages = () => tb.state.models.Message;
// In the order they were recorded (ids of deduplicated events are derived from their key, not time-ordered).
const eventsOf = (type: string) => tb.state.models.Event.find({ organizationId: org.id, type }).sort({ timestamp: 1 }).lean();

describe('inbound messages', () => {
  it('stores a received message once, however often WhatsApp delivers it, with one message.received event', async () => {
    const message = fixtures.image();
    socket.receive([asDelivered(message)]);
    socket.receive([asDelivered(message)]);
    socket.receive([asDelivered(message)], 'append');
    await waitUntil(async () => (await messages().countDocuments({ messageId: message.key.id })) === 1, 5_000, 'message stored');
    // Give the redeliveries time to finish before counting.
    await new Promise((r) => setTimeout(r, 300));
    expect(await messages().countDocuments({ messageId: message.key.id })).toBe(1);
    const events = (await eventsOf('message.received')).filter((e) => (e.data as { messageId: string }).messageId === message.key.id);
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ type: 'image', text: 'Lieferschein', session: 'main', direction: 'in' });

    const stored = await tb.request('GET', `/v1/messages/${(events[0].data as { id: string }).id}`, { key: org.apiKey });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ session: 'main', messageId: message.key.id, chat: message.key.remoteJid, type: 'image', media: { size: 184223 } });
  });

  it('stores history (append) batches and every supported type', async () => {
    const batch = Object.values(fixtures).map((make) => asDelivered(make()));
    // A reaction is not a message of its own: it changes the message it reacts to.
    const stored = batch.filter((m) => !m.message?.reactionMessage);
    socket.receive(batch, 'append');
    await waitUntil(async () => (await messages().countDocuments({ messageId: { $in: stored.map((m) => m.key.id!) } })) === stored.length, 5_000, 'batch stored');
    const types = (await messages().find({ messageId: { $in: stored.map((m) => m.key.id!) } }).lean()).map((m) => m.type).sort();
    expect(types).toEqual(expect.arrayContaining(['audio', 'contact', 'document', 'image', 'location', 'poll', 'sticker', 'text', 'video', 'voice']));
  });

  it('moves status forward only (pending → sent → delivered → read), recording message.updated', async () => {
    const id = messageId();
    const key = { remoteJid: PEER, id, fromMe: true };
    socket.receive([{ ...textMessage('from my phone', { id, fromMe: true }), status: 1 }], 'append');
    await waitUntil(async () => !!(await messages().findOne({ messageId: id })), 5_000, 'outbound stored');
    expect((await messages().findOne({ messageId: id }).lean())!.status).toBe('pending');

    socket.emit('messages.update', [{ key, update: { status: 2 } }]);
    await waitUntil(async () => (await messages().findOne({ messageId: id }).lean())!.status === 'sent');
    socket.emit('message-receipt.update', [{ key, receipt: { userJid: PEER, readTimestamp: 1764180100 } }]);
    await waitUntil(async () => (await messages().findOne({ messageId: id }).lean())!.status === 'read');
    // Late and repeated updates do not move it back.
    socket.emit('messages.update', [{ key, update: { status: 3 } }]);
    socket.emit('message-receipt.update', [{ key, receipt: { userJid: PEER, receiptTimestamp: 1764180050 } }]);
    socket.emit('messages.update', [{ key, update: { status: 0 } }]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await messages().findOne({ messageId: id }).lean())!.status).toBe('read');
    socket.emit('messages.update', [{ key, update: { status: 5 } }]);
    await waitUntil(async () => (await messages().findOne({ messageId: id }).lean())!.status === 'played');

    const updates = (await eventsOf('message.updated')).filter((e) => (e.data as { messageId: string }).messageId === id);
    expect(updates.map((e) => (e.data as { status: string }).status)).toEqual(['sent', 'read', 'played']);
    // Sent from the phone: recorded as message.sent, not as received.
    expect((await eventsOf('message.sent')).filter((e) => (e.data as { messageId: string }).messageId === id)).toHaveLength(1);
    expect((await eventsOf('message.received')).filter((e) => (e.data as { messageId: string }).messageId === id)).toHaveLength(0);
  });

  it('applies a receipt that overtakes its message once the message is stored', async () => {
    const id = messageId();
    const key = { remoteJid: PEER, id, fromMe: true };
    socket.emit('message-receipt.update', [{ key, receipt: { userJid: PEER, receiptTimestamp: 1764180050 } }]);
    await new Promise((r) => setTimeout(r, 200));
    socket.receive([{ ...textMessage('late', { id, fromMe: true }), status: 2 }], 'append');
    await waitUntil(async () => (await messages().findOne({ messageId: id }).lean())?.status === 'delivered', 15_000, 'queued receipt applied');
  });

  it('upserts contacts per session and jid and pages through them', async () => {
    const contacts = Array.from({ length: 7 }, (_, i) => ({ id: `49170000000${i}@s.whatsapp.net`, notify: `Person ${i}` }));
    socket.emit('contacts.upsert', contacts);
    socket.emit('contacts.upsert', contacts);
    await waitUntil(async () => (await tb.state.models.Contact.countDocuments({ organizationId: org.id })) === 7, 5_000, 'contacts stored');
    socket.emit('contacts.update', [{ id: contacts[0].id, name: 'Anna (saved)' }]);
    await waitUntil(async () => (await tb.state.models.Contact.findOne({ jid: contacts[0].id }).lean())?.name === 'Anna (saved)');
    // A partial update keeps what an earlier upsert set.
    expect((await tb.state.models.Contact.findOne({ jid: contacts[0].id }).lean())!.notify).toBe('Person 0');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await tb.request('GET', `/v1/contacts?session=main&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { key: org.apiKey });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((c: { jid: string }) => c.jid));
      cursor = res.body.pagination.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(contacts.map((c) => c.id).sort());
    expect((await tb.request('GET', '/v1/contacts?session=other', { key: org.apiKey })).body.data).toEqual([]);
    expect((await tb.request('GET', '/v1/contacts?cursor=nonsense', { key: org.apiKey })).status).toBe(400);
    expect((await tb.request('GET', '/v1/contacts?limit=0', { key: org.apiKey })).status).toBe(400);
    const other = await tb.createOrganization('Other');
    expect((await tb.request('GET', '/v1/contacts', { key: other.apiKey })).body.data).toEqual([]);
  });

  it('detach removes every listener it added', async () => {
    const extra = tb.gateway.connect(org.id, 'second');
    expect(extra.listenerCount()).toBe(9);
    tb.gateway.disconnect(org.id, 'second');
    expect(extra.listenerCount()).toBe(0);
  });
});
