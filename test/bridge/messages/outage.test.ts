import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateDatabase, type DatabaseServer } from '../../support/services.ts';
import { startMessagingBridge, waitUntil, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { uniqueName } from '../../support/stack.ts';
import { textMessage, messageId } from '../../support/waMessages.ts';

const inbound = { writeTimeoutMs: 1_000, retryBaseMs: 100, retryMaxMs: 1_000 };
let database: DatabaseServer;
const bridges: MessagingTestBridge[] = [];

beforeAll(async () => {
  database = await privateDatabase();
});
afterAll(async () => {
  await database.start().catch(() => undefined);
  for (const b of bridges.reverse()) await b.close().catch(() => undefined);
  await database.dispose();
});

async function bridgeOn(dbName: string, prefix: string): Promise<MessagingTestBridge> {
  const tb = await startMessagingBridge({ label: 'outage', dbName, env: { MONGODB_URI: database.url, REDIS_KEY_PREFIX: prefix }, bridgeOptions: { inbound } });
  bridges.push(tb);
  return tb;
}

describe('never lose an inbound message', () => {
  it('MongoDB down: 1,000 messages are queued, then each is stored once with one message.received event', { timeout: 180_000 }, async () => {
    const tb = await bridgeOn(uniqueName('outage'), uniqueName('outage'));
    const org = await tb.createOrganization('Outage');
    const socket = tb.gateway.connect(org.id, 'main');

    await database.stop();
    const chats = Array.from({ length: 10 }, (_, i) => `49151000000${i}@s.whatsapp.net`);
    const ids: string[] = [];
    const at = Date.now();
    for (let i = 0; i < 1_000; i++) {
      const id = messageId();
      ids.push(id);
      socket.receive([textMessage(`message ${i}`, { id, chat: chats[i % chats.length], at: at + i * 1000 })]);
    }
    // WhatsApp redelivers some of them during the outage.
    for (let i = 0; i < 50; i++) socket.receive([textMessage(`message ${i}`, { id: ids[i], chat: chats[i % chats.length], at: at + i * 1000 })]);
    await waitUntil(async () => (await tb.bridge.state.redis.keys(`${tb.state.keyPrefix}:inbound-writes:msg-*`)).length >= 1_000, 30_000, 'writes queued in Redis');

    await database.start();
    const Message = tb.state.models.Message;
    await waitUntil(async () => (await Message.countDocuments({ organizationId: org.id }).catch(() => 0)) === 1_000, 120_000, '1,000 messages stored');
    await waitUntil(
      async () => (await tb.state.models.Event.countDocuments({ organizationId: org.id, type: 'message.received' }).catch(() => 0)) === 1_000,
      60_000,
      '1,000 events',
    );
    // Redeliveries after the outage still change nothing.
    for (let i = 0; i < 20; i++) socket.receive([textMessage(`message ${i}`, { id: ids[i], chat: chats[i % chats.length], at: at + i * 1000 })]);
    await waitUntil(async () => (await tb.bridge.messagingBacklog()) === 0, 90_000, 'queue drained');
    await new Promise((r) => setTimeout(r, 500));

    const stored = await Message.find({ organizationId: org.id }, { messageId: 1 }).lean();
    expect(stored).toHaveLength(1_000);
    expect(new Set(stored.map((m) => m.messageId))).toEqual(new Set(ids));
    const events = await tb.state.models.Event.find({ organizationId: org.id, type: 'message.received' }, { data: 1 }).lean();
    expect(events).toHaveLength(1_000);
    expect(new Set(events.map((e) => (e.data as { messageId: string }).messageId)).size).toBe(1_000);
  });

  it('queued writes survive a bridge restart: another bridge on the same Redis stores them', { timeout: 120_000 }, async () => {
    const dbName = uniqueName('restart');
    const prefix = uniqueName('restart');
    const first = await bridgeOn(dbName, prefix);
    const org = await first.createOrganization('Restart');
    const socket = first.gateway.connect(org.id, 'main');
    await database.stop();
    const ids = Array.from({ length: 100 }, () => messageId());
    ids.forEach((id, i) => socket.receive([textMessage(`queued ${i}`, { id })]));
    await waitUntil(async () => (await first.bridge.state.redis.keys(`${prefix}:inbound-writes:msg-*`)).length >= 100, 30_000, 'writes queued');
    // The first bridge goes away with its writes only in Redis.
    await first.bridge.close();
    bridges.splice(bridges.indexOf(first), 1);

    await database.start();
    const second = await bridgeOn(dbName, prefix);
    await waitUntil(async () => (await second.state.models.Message.countDocuments({ organizationId: org.id })) === 100, 60_000, 'stored by the second bridge');
    await waitUntil(async () => (await second.bridge.messagingBacklog()) === 0, 60_000, 'queue drained');
    expect(await second.state.models.Event.countDocuments({ organizationId: org.id, type: 'message.received' })).toBe(100);
  });

  it('the PostgreSQL behind the database down (FerretDB answers every command with an error): 503s, queued writes, then each message stored once', { timeout: 120_000 }, async () => {
    const tb = await bridgeOn(uniqueName('storage'), uniqueName('storage'));
    const org = await tb.createOrganization('Storage');
    const socket = tb.gateway.connect(org.id, 'main');

    await database.stopStorage();
    const ids = Array.from({ length: 200 }, () => messageId());
    ids.forEach((id, i) => socket.receive([textMessage(`storage ${i}`, { id, chat: `49151000000${i % 5}@s.whatsapp.net` })]));
    await waitUntil(async () => (await tb.bridge.state.redis.keys(`${tb.state.keyPrefix}:inbound-writes:msg-*`)).length >= 200, 30_000, 'writes queued in Redis');
    // An outage, not a bug: the API and readiness say the database is unavailable.
    const listing = await tb.request('GET', '/v1/messages?session=main', { key: org.apiKey });
    expect(listing.status).toBe(503);
    expect(listing.body.error.code).toBe('dependency_unavailable');
    expect((await tb.request('GET', '/readyz')).status).toBe(503);

    await database.start();
    const Message = tb.state.models.Message;
    await waitUntil(async () => (await Message.countDocuments({ organizationId: org.id }).catch(() => 0)) === 200, 90_000, '200 messages stored');
    await waitUntil(async () => (await tb.bridge.messagingBacklog()) === 0, 60_000, 'queue drained');
    expect(new Set((await Message.find({ organizationId: org.id }, { messageId: 1 }).lean()).map((m) => m.messageId))).toEqual(new Set(ids));
    expect(await tb.state.models.Event.countDocuments({ organizationId: org.id, type: 'message.received' })).toBe(200);
  });
});
