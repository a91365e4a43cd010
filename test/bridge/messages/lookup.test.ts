import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessagingBridge, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { fixtures, messageId, textMessage, PEER } from '../../support/waMessages.ts';
import { normaliseMessage } from '../../../bridge/src/messages/normalizeMessage.ts';
import type { MessageDoc } from '../../../bridge/src/models/message.ts';
import type { FakeSocket } from '../../support/fakeSocket.ts';

let tb: MessagingTestBridge;
let org: { id: string; apiKey: string };
let socket: FakeSocket;

beforeAll(async () => {
  tb = await startMessagingBridge({ label: 'lookup' });
  org = await tb.createOrganization('Lookup');
  socket = tb.gateway.connect(org.id, 'main');
});
afterAll(async () => tb?.close());

const list = (query: string, key = org.apiKey) => tb.request('GET', `/v1/messages${query}`, { key });

async function seed(organizationId: string, session: string, docs: Array<Parameters<typeof normaliseMessage>[1]>): Promise<MessageDoc[]> {
  const normalised = docs.map((m) => normaliseMessage({ organizationId, session }, m)!);
  for (let i = 0; i < normalised.length; i += 2_000) await tb.state.models.Message.collection.insertMany(normalised.slice(i, i + 2_000) as never[]);
  return normalised;
}

describe('message lookup', () => {
  it('filters by session, chat, direction, type and time, newest first', async () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    const other = '4917600000001@s.whatsapp.net';
    await seed(org.id, 'filters', [
      textMessage('a', { at: base, chat: PEER }),
      textMessage('b', { at: base + 60_000, chat: other }),
      textMessage('c', { at: base + 120_000, chat: PEER, fromMe: true }),
      { ...fixtures.location(), messageTimestamp: (base + 180_000) / 1000 },
    ]);
    await seed(org.id, 'elsewhere', [textMessage('z', { at: base })]);
    const texts = async (q: string) => {
      const res = await list(`?session=filters${q}`);
      expect(res.status).toBe(200);
      return res.body.data.map((m: { text: string }) => m.text);
    };
    expect(await texts('')).toEqual([null, 'c', 'b', 'a']);
    expect(await texts(`&chat=${encodeURIComponent(PEER)}`)).toEqual([null, 'c', 'a']);
    expect(await texts('&direction=out')).toEqual(['c']);
    expect(await texts('&direction=in&type=text')).toEqual(['b', 'a']);
    expect(await texts('&type=location')).toEqual([null]);
    expect(await texts('&since=2026-01-01T00:01:00Z&until=2026-01-01T00:02:00Z')).toEqual(['c', 'b']);
    const one = (await list('?session=filters&type=location')).body.data[0];
    expect(Object.keys(one)).toEqual(expect.arrayContaining(['id', 'session', 'messageId', 'chat', 'from', 'fromMe', 'direction', 'type', 'text', 'media', 'location', 'quotedMessageId', 'status', 'timestamp', 'createdAt']));
    expect(one).toMatchObject({ session: 'filters', type: 'location', location: { latitude: 52.520008 }, timestamp: '2026-01-01T00:03:00.000Z' });
    expect(one.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('page mode gives page, limit, total and pages', async () => {
    const res = await list('?session=filters&page=2&limit=3');
    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ page: 2, limit: 3, total: 4, pages: 2 });
    expect(res.body.data.map((m: { text: string }) => m.text)).toEqual(['a']);
    const first = await list('?session=filters&limit=3');
    expect(first.body.pagination).toMatchObject({ limit: 3, hasMore: true, nextCursor: expect.any(String) });
    const second = await list(`?session=filters&limit=3&cursor=${first.body.pagination.nextCursor}`);
    expect(second.body.data.map((m: { text: string }) => m.text)).toEqual(['a']);
    expect(second.body.pagination).toEqual({ limit: 3, hasMore: false, nextCursor: null });
  });

  it('answers invalid parameters with 400, never 500', async () => {
    const forged = Buffer.from(JSON.stringify({ t: 'x', i: 'msg_1' })).toString('base64url');
    for (const q of ['?limit=0', '?limit=201', '?limit=abc', '?page=0', '?page=-1', '?page=1&cursor=abc', '?since=yesterday', '?since=2026-13-45',
      '?until=2026-01-01&since=2026-02-01', '?direction=sideways', '?type=hologram', '?cursor=%%%', `?cursor=${forged}`, '?session=Not%20Valid', '?colour=red']) {
      const res = await list(q);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(res.body.error.code).toEqual(expect.any(String));
    }
    expect((await tb.request('GET', '/v1/messages/msg_nonexistent', { key: org.apiKey })).status).toBe(404);
    expect((await tb.request('GET', '/v1/messages')).status).toBe(401);
  });

  it('isolates organizations', async () => {
    const other = await tb.createOrganization('Other');
    const theirs = await list('', other.apiKey);
    expect(theirs.status).toBe(200);
    expect(theirs.body.data).toEqual([]);
    const mine = (await list('?session=filters')).body.data[0];
    expect((await tb.request('GET', `/v1/messages/${mine.id}`, { key: other.apiKey })).status).toBe(404);
    expect((await list('?session=filters&page=1', other.apiKey)).body.pagination).toEqual({ page: 1, limit: 50, total: 0, pages: 0 });
  });

  it('cursor paging neither skips nor repeats across 10,000 messages with tied timestamps while inserts continue', { timeout: 600_000 }, async () => {
    const base = Date.parse('2026-06-01T12:00:00Z');
    // 10,000 messages on 50 distinct seconds: 200 share every timestamp.
    const seeded = await seed(org.id, 'paging', Array.from({ length: 10_000 }, (_, i) => textMessage(`m${i}`, { id: messageId(), at: base + (i % 50) * 1000 })));
    const expected = new Set(seeded.map((d) => d._id));
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    let pages = 0;
    let inserted = 0;
    let lastKey: [number, string] | null = null;
    do {
      const res: { status: number; body: any } = await list(`?session=paging&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      for (const m of res.body.data as Array<{ id: string; timestamp: string }>) {
        seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
        const key: [number, string] = [Date.parse(m.timestamp), m.id];
        // Strictly descending over (timestamp, id): the order is total and stable.
        if (lastKey) expect(key[0] < lastKey[0] || (key[0] === lastKey[0] && key[1] < lastKey[1])).toBe(true);
        lastKey = key;
      }
      cursor = res.body.pagination.nextCursor;
      pages++;
      // New messages keep arriving through the socket while the client pages: live ones (newest)
      // and history with a timestamp tied to the seeded ones.
      socket.receive([textMessage(`live ${pages}`, { at: Date.now() })]);
      socket.receive([{ ...textMessage(`history ${pages}`, { at: base + 25_000 }) }], 'append');
      inserted += 2;
    } while (cursor);
    for (const id of expected) expect(seen.get(id)).toBe(1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(pages).toBeGreaterThanOrEqual(50);
    expect(inserted).toBeGreaterThan(0);
    // Nothing the client saw is outside the session.
    expect(await tb.state.models.Message.countDocuments({ _id: { $in: [...seen.keys()] }, session: { $ne: 'paging' } })).toBe(0);
  });
});
