import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../../support/stack.ts';
import { chatScopedMessageId, storedMessageId } from '../../../bridge/src/messages/messageKey.ts';

/**
 * Messages stored by earlier versions (ids derived with the chat) come along when the bridge
 * starts: each gets its new id, GET by the old id still finds it, and a redelivery of one does
 * not create a second document.
 */
describe('the message id migration, on data in the shape earlier versions stored', () => {
  const dbName = uniqueName('idmig');
  let bridge: TestBridge;
  let key: string;
  let orgId: string;
  const client = new MongoClient(MONGODB_URI);

  beforeAll(async () => {
    // A first start creates the organization and the collections; then the data is put back as
    // an earlier version left it (old ids, no migration record), and the bridge starts again.
    bridge = await startTestBridge({ label: 'idmig', dbName });
    const org = await bridge.createOrganization();
    key = org.apiKey;
    orgId = org.id;
    await bridge.close();
    const db = client.db(dbName);
    await db.collection('migrations').deleteMany({});
    const now = new Date('2026-11-01T10:00:00Z');
    const old = (n: number, chat: string) => {
      const k = { organizationId: orgId, session: 'shop', chat, messageId: `3EB0OLD${n}`, fromMe: false };
      return {
        _id: chatScopedMessageId(k),
        ...k,
        from: chat,
        pushName: null,
        direction: 'in',
        type: 'text',
        rawType: null,
        text: `old message ${n}`,
        media: null,
        location: null,
        contacts: null,
        reaction: null,
        quotedMessageId: null,
        status: 'delivered',
        statusRank: 3,
        timestamp: new Date(now.getTime() + n * 1000),
        createdAt: now,
      };
    };
    await db.collection('messages').insertMany([old(1, '15557200001@s.whatsapp.net'), old(2, '15557200001@s.whatsapp.net'), old(3, '123456789012345@lid')] as never[]);
    bridge = await startTestBridge({ label: 'idmig', dbName });
  });

  afterAll(async () => {
    await bridge?.close();
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('renames every old id, keeps the old one answering GET, and lists the same messages', async () => {
    const docs = await client.db(dbName).collection('messages').find({}).sort({ timestamp: 1 }).toArray();
    expect(docs).toHaveLength(3);
    for (const doc of docs) {
      expect(doc._id).toBe(storedMessageId({ organizationId: orgId, session: 'shop', messageId: doc.messageId, fromMe: false }));
      expect(doc.legacyId).toBe(chatScopedMessageId({ organizationId: orgId, session: 'shop', chat: doc.chat, messageId: doc.messageId, fromMe: false }));
      const got = await bridge.request('GET', `/v1/messages/${doc.legacyId}`, { key });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: doc._id, text: doc.text });
    }
    const listed = await bridge.request('GET', '/v1/messages?session=shop', { key });
    expect(listed.body.data.map((m: { text: string }) => m.text)).toEqual(['old message 3', 'old message 2', 'old message 1']);
    expect(await client.db(dbName).collection('migrations').findOne({ _id: 'message-ids-without-chat' as never })).toMatchObject({ renamed: 3 });
  });

  it('a redelivery of a migrated message is the same message', async () => {
    const [doc] = await client.db(dbName).collection('messages').find({ messageId: '3EB0OLD1' }).toArray();
    // Written as the socket sink writes a redelivered message (same key, a new normalised copy).
    const store = (await import('../../../bridge/src/messages/messageStore.ts')).messageStore(bridge.state.models, bridge.bridge.events);
    const { legacyId: _old, ...copy } = doc as unknown as Record<string, unknown>;
    const result = await store.writeMessages([{ ...(copy as object), createdAt: new Date() } as never]);
    expect(result.placeholders).toEqual([]);
    expect(await client.db(dbName).collection('messages').countDocuments({ messageId: '3EB0OLD1' })).toBe(1);
  });
});
