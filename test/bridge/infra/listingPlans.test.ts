import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from 'mongoose';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { indexName, summarisePlan } from '../../support/queryPlan.ts';
import { explainListing, runListing, type Listing } from '../../../bridge/src/infra/listing.ts';
import { cursorListing, pageListing, type MessageFilters } from '../../../bridge/src/messages/messageQuery.ts';
import { contactListing } from '../../../bridge/src/contacts/contactQuery.ts';
import { deliveryListing, failedSinceListing } from '../../../bridge/src/webhooks/deliveryLog.ts';
import { overdueListing, undispatchedListing } from '../../../bridge/src/webhooks/dispatcher.ts';
import { sessionListing } from '../../../bridge/src/sessions/sessionManager.ts';
import { webhookListing } from '../../../bridge/src/webhooks/webhookRegistry.ts';
import { encodeCursor } from '../../../bridge/src/infra/pageCursor.ts';

/**
 * Every listing the API serves walks an index in the listing's order and stops at its limit: no
 * in-memory sort, no collection scan, on whichever server MONGODB_URI names (MongoDB, or the
 * local FerretDB 2 on DocumentDB, where the plan is PostgreSQL's).
 */
let t: TestBridge;
const ORG = 'org_plans';
const BASE = Date.parse('2026-01-01T00:00:00Z');
const hex = (n: number, width = 24) => n.toString(16).padStart(width, '0');

beforeAll(async () => {
  t = await startTestBridge({ label: 'plans', noStart: true });
  const { Message, Contact, Delivery, Event, Session, Webhook } = t.state.models;
  const messages = Array.from({ length: 3_000 }, (_, i) => ({
    _id: `msg_${hex(i)}`,
    organizationId: i % 4 === 0 ? 'org_other' : ORG,
    session: `s${i % 3}`,
    chat: `49151${hex(i % 40, 7)}@s.whatsapp.net`,
    messageId: `M${i}`,
    fromMe: i % 2 === 0,
    from: null,
    pushName: null,
    direction: i % 2 === 0 ? 'out' : 'in',
    type: i % 9 === 0 ? 'image' : 'text',
    text: `text ${i}`,
    status: 'sent',
    statusRank: 2,
    // Groups of three share a timestamp, so the _id tie-breaker matters.
    timestamp: new Date(BASE + Math.floor(i / 3) * 1_000),
    createdAt: new Date(BASE),
  }));
  await Message.collection.insertMany(messages as never[]);
  await Contact.collection.insertMany(Array.from({ length: 600 }, (_, i) => ({
    _id: `ct_${hex(i)}`, organizationId: ORG, session: `s${i % 3}`, jid: `49151${hex(i, 7)}@s.whatsapp.net`, createdAt: new Date(), updatedAt: new Date(),
  })) as never[]);
  await Delivery.collection.insertMany(Array.from({ length: 900 }, (_, i) => ({
    _id: `dlv_${hex(i)}`, organizationId: ORG, webhookId: `wh_${i % 3}`, eventId: `evt_${hex(i)}`, eventType: 'message.received', session: 's0',
    status: ['pending', 'succeeded', 'failed'][i % 3], round: 0, roundAttempts: 1, attemptCount: 1, attempts: [],
    nextAttemptAt: new Date(BASE + i * 1_000), createdAt: new Date(BASE + i * 1_000), updatedAt: new Date(), completedAt: null, expiresAt: null,
  })) as never[]);
  await Event.collection.insertMany(Array.from({ length: 900 }, (_, i) => ({
    _id: `evt_${hex(i)}`, organizationId: ORG, type: 'message.received', session: 's0', data: {}, timestamp: new Date(BASE + i * 1_000),
    dedupeKey: `k${i}`, dispatchedAt: i % 10 === 0 ? null : new Date(),
    // Far from expiry: the TTL monitor would delete events whose expiresAt has passed, mid-file.
    expiresAt: new Date(Date.now() + 365 * 86_400_000),
  })) as never[]);
  await Session.collection.insertMany(Array.from({ length: 60 }, (_, i) => ({
    _id: `ses_${hex(i)}`, organizationId: i % 2 ? ORG : 'org_other', name: `n${hex(59 - i, 2)}`, status: 'stopped', desiredState: 'stopped', fencingToken: 0, createdAt: new Date(), updatedAt: new Date(),
  })) as never[]);
  await Webhook.collection.insertMany(Array.from({ length: 30 }, (_, i) => ({
    _id: `wh_${hex(i)}`, organizationId: i % 2 ? ORG : 'org_other', url: 'https://example.com/hook', events: ['message.received'], sessions: null, enabled: true, secret: 'x', createdAt: new Date(), updatedAt: new Date(),
  })) as never[]);
}, 120_000);
afterAll(async () => t?.close());

async function expectIndexOrdered(model: Model<never>, query: Listing, bounded: string[] = []): Promise<void> {
  const plan = summarisePlan(await explainListing(model, query));
  expect(plan.indexes, JSON.stringify(plan)).toContain(indexName(query.index as Record<string, 1 | -1>));
  expect(plan.sortsInMemory, JSON.stringify(plan)).toBe(false);
  expect(plan.scansCollection, JSON.stringify(plan)).toBe(false);
  // Equality filters and the keyset's range bound the scan: a page deep in the index starts at
  // the cursor instead of walking (and discarding) every entry before it.
  expect(plan.boundedFields, JSON.stringify(plan)).toEqual(expect.arrayContaining(bounded));
}

const asModel = (m: unknown) => m as Model<never>;

describe('listings are answered from an index, in its order', () => {
  const filterSets: Array<[string, MessageFilters]> = [
    ['organization', {}],
    ['session', { session: 's1' }],
    ['session and chat', { session: 's1', chat: '491510000001@s.whatsapp.net' }],
    ['chat', { chat: '491510000001@s.whatsapp.net' }],
    ['type', { type: 'image' }],
    ['direction', { direction: 'in' }],
    ['session and direction', { session: 's2', direction: 'out' }],
    ['session and a time range', { session: 's1', since: new Date(BASE + 100_000), until: new Date(BASE + 600_000) }],
  ];

  it.each(filterSets)('messages by %s: the first page, a cursor page and a numbered page', async (_, filters) => {
    const Message = asModel(t.state.models.Message);
    const first = cursorListing(ORG, filters, 50);
    await expectIndexOrdered(Message, first);
    const page = await runListing<never, { timestamp: Date; _id: string }>(Message, first);
    expect(page.length).toBeGreaterThan(0);
    const last = page[Math.min(page.length, 50) - 1];
    const equalities = Object.keys(filters).filter((k) => k !== 'since' && k !== 'until');
    await expectIndexOrdered(Message, cursorListing(ORG, filters, 50, encodeCursor({ t: new Date(last.timestamp).getTime(), i: last._id })), ['organizationId', ...equalities.filter((k) => Object.hasOwn(cursorListing(ORG, filters, 1).index, k)), 'timestamp']);
    await expectIndexOrdered(Message, pageListing(ORG, filters, 50, 3));
  });

  it('a cursor page deep in a session walks only the index range after the cursor', async () => {
    const Message = t.state.models.Message;
    // The cursor of message 1,500 (its group of three shares a timestamp with its neighbours).
    const cursor = encodeCursor({ t: BASE + 500 * 1_000, i: `msg_${hex(1_501)}` });
    const query = cursorListing(ORG, { session: 's1' }, 50, cursor);
    const rows = await runListing<never, { timestamp: Date; _id: string }>(asModel(Message), query);
    // Exactly what comes after the cursor in (timestamp desc, _id desc) order: nothing skipped or repeated.
    const all = await Message.find({ organizationId: ORG, session: 's1' }).sort({ timestamp: -1, _id: -1 }).lean<Array<{ timestamp: Date; _id: string }>>();
    const at = all.findIndex((m) => new Date(m.timestamp).getTime() < BASE + 500 * 1_000 || (new Date(m.timestamp).getTime() === BASE + 500 * 1_000 && m._id < `msg_${hex(1_501)}`));
    expect(rows.map((r) => r._id)).toEqual(all.slice(at, at + 51).map((r) => r._id));
    await expectIndexOrdered(asModel(Message), query, ['organizationId', 'session', 'timestamp']);
  });

  it('contacts, per organization and per session, first page and after a cursor', async () => {
    const Contact = asModel(t.state.models.Contact);
    await expectIndexOrdered(Contact, contactListing(ORG, { limit: 50 }));
    await expectIndexOrdered(Contact, contactListing(ORG, { session: 's2', limit: 50 }));
    await expectIndexOrdered(Contact, contactListing(ORG, { limit: 50, cursor: encodeCursor({ i: `ct_${hex(300)}` }) }), ['organizationId', '_id']);
    await expectIndexOrdered(Contact, contactListing(ORG, { session: 's1', limit: 50, cursor: encodeCursor({ i: `ct_${hex(301)}` }) }));
  });

  it('a webhook attempt log, by status and after a cursor, and the replay of failed deliveries', async () => {
    const Delivery = asModel(t.state.models.Delivery);
    await expectIndexOrdered(Delivery, deliveryListing('wh_1', { limit: 50 }));
    await expectIndexOrdered(Delivery, deliveryListing('wh_1', { status: 'failed', limit: 50 }));
    await expectIndexOrdered(Delivery, deliveryListing('wh_1', { limit: 50, cursor: `dlv_${hex(400)}` }), ['webhookId', '_id']);
    await expectIndexOrdered(Delivery, failedSinceListing('wh_2', new Date(BASE), ''));
    await expectIndexOrdered(Delivery, failedSinceListing('wh_2', new Date(BASE), `dlv_${hex(500)}`));
  });

  it('sessions and webhooks of an organization', async () => {
    await expectIndexOrdered(asModel(t.state.models.Session), sessionListing(ORG));
    const names = (await runListing<never, { name: string }>(asModel(t.state.models.Session), sessionListing(ORG))).map((s) => s.name);
    expect(names).toEqual([...names].sort());
    expect(names).toHaveLength(30);
    await expectIndexOrdered(asModel(t.state.models.Webhook), webhookListing(ORG));
  });

  it("the dispatcher's sweeps: undispatched events and overdue deliveries", async () => {
    await expectIndexOrdered(asModel(t.state.models.Event), undispatchedListing(new Date(BASE + 1e9)));
    const undispatched = await runListing<never, { _id: string }>(asModel(t.state.models.Event), undispatchedListing(new Date(BASE + 1e9)));
    expect(undispatched).toHaveLength(90);
    await expectIndexOrdered(asModel(t.state.models.Delivery), overdueListing(new Date(BASE + 1e9)));
  });
});
