import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Collection, type Db } from 'mongodb';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../../support/stack.ts';
import { waitUntil } from '../../support/messagingBridge.ts';
import { isDuplicateKey } from '../../../bridge/src/infra/duplicateKey.ts';

/**
 * What the bridge relies on from the database, checked against the server the suite runs on
 * (MongoDB, or the local FerretDB 2 on DocumentDB): docs/database.md lists the differences.
 */
let client: MongoClient;
let db: Db;
let coll: Collection<{ _id: string; k?: string; n?: number }>;

beforeAll(async () => {
  client = await MongoClient.connect(MONGODB_URI);
  db = client.db(uniqueName('semantics'));
  coll = db.collection('docs');
  await coll.createIndex({ k: 1 }, { unique: true, partialFilterExpression: { k: { $exists: true } } });
  await coll.insertOne({ _id: 'a', k: 'taken' });
});
afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

async function failure(write: () => Promise<unknown>): Promise<unknown> {
  try {
    await write();
  } catch (error) {
    return error;
  }
  throw new Error('the write was expected to fail');
}

describe('duplicates are recognised whichever code the server answers with', () => {
  it.each([
    ['insertOne of an existing _id', () => coll.insertOne({ _id: 'a' })],
    ['insertOne of a taken unique key', () => coll.insertOne({ _id: 'b', k: 'taken' })],
    ['insertMany, unordered, with one duplicate', () => coll.insertMany([{ _id: 'c1' }, { _id: 'a' }], { ordered: false })],
    ['updateOne moving a document onto a taken key', async () => {
      await coll.insertOne({ _id: 'd', k: 'free-d' });
      return coll.updateOne({ _id: 'd' }, { $set: { k: 'taken' } });
    }],
    ['an upsert through updateOne', () => coll.updateOne({ _id: 'e' }, { $set: { k: 'taken' } }, { upsert: true })],
    ['an upsert in a bulk write', () => coll.bulkWrite([{ updateOne: { filter: { _id: 'f' }, update: { $set: { k: 'taken' } }, upsert: true } }], { ordered: false })],
    // DocumentDB answers this one with code 1 "conflicting key value violates exclusion constraint".
    ['an upsert through findOneAndUpdate', () => coll.findOneAndUpdate({ _id: 'g' }, { $set: { k: 'taken' } }, { upsert: true })],
    ['an upsert through findOneAndUpdate with $setOnInsert', () => coll.findOneAndUpdate({ _id: 'h' }, { $setOnInsert: { k: 'taken' } }, { upsert: true })],
  ])('%s', async (_, write) => {
    expect(isDuplicateKey(await failure(write))).toBe(true);
  });

  it('other write errors are not mistaken for duplicates', async () => {
    expect(isDuplicateKey(await failure(() => coll.updateOne({ _id: 'a' }, { $inc: { k: 1 } as never })))).toBe(false); // $inc on a string
    expect(isDuplicateKey(await failure(() => coll.updateOne({ _id: 'a' }, { $bogus: { n: 1 } } as never)))).toBe(false);
  });
});

describe('strings', () => {
  it('a string with NUL and other control characters is stored and read back unchanged', async () => {
    const text = 'a\u0000b\u0001c\u001f\u007f\ud83d\ude00';
    await db.collection<{ _id: string; text: string }>('strings').insertOne({ _id: 's', text });
    expect((await db.collection<{ _id: string; text: string }>('strings').findOne({ _id: 's' }))?.text).toBe(text);
    expect(await db.collection('strings').countDocuments({ text })).toBe(1);
  });
});

describe('single-document deletes', () => {
  // deleteOne loses to a concurrent update on DocumentDB (it deletes by the row version it read
  // first, and reports 0): the bridge deletes with deleteMany on a unique filter, which does not.
  it('a delete racing updates of the same document removes it', async () => {
    const racing = db.collection<{ _id: string; n: number }>('racing');
    let remaining = 0;
    for (let i = 0; i < 100; i++) {
      const _id = `r${i}`;
      await racing.insertOne({ _id, n: 0 });
      await Promise.all([
        ...Array.from({ length: 4 }, () => racing.updateOne({ _id }, { $inc: { n: 1 } })),
        racing.deleteMany({ _id }),
        ...Array.from({ length: 4 }, () => racing.updateOne({ _id }, { $inc: { n: 1 } })),
      ]);
      remaining += await racing.countDocuments({ _id });
    }
    expect(remaining).toBe(0);
  });
});

describe('TTL indexes', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ label: 'ttl', noStart: true });
  });
  afterAll(async () => t?.close());

  // The server's TTL pass runs about once a minute (MongoDB's TTL monitor; DocumentDB's pg_cron
  // job), so this waits for the pass rather than for a time.
  it('idempotency keys, finished deliveries and events go once they expire; live ones stay', { timeout: 200_000 }, async () => {
    const { IdempotencyKey, Delivery, Event } = t.state.models;
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const key = (id: string, expiresAt: Date) => ({ _id: id, organizationId: 'o', session: 's', key: id, requestHash: 'h', state: 'completed', responseStatus: 202, responseBody: {}, createdAt: new Date(), claimToken: 't', expiresAt });
    await IdempotencyKey.collection.insertMany([key('idem_old', past), key('idem_new', future)] as never[]);
    const delivery = (id: string, expiresAt: Date | null) => ({ _id: id, organizationId: 'o', webhookId: 'w', eventId: id, eventType: 'message.received', session: 's', status: expiresAt ? 'succeeded' : 'pending', round: 0, roundAttempts: 0, attemptCount: 0, attempts: [], nextAttemptAt: null, createdAt: new Date(), updatedAt: new Date(), completedAt: null, expiresAt });
    await Delivery.collection.insertMany([delivery('dlv_old', past), delivery('dlv_new', future), delivery('dlv_pending', null)] as never[]);
    const event = (id: string, expiresAt: Date) => ({ _id: id, organizationId: 'o', type: 'message.received', session: 's', data: {}, timestamp: new Date(), dedupeKey: id, dispatchedAt: new Date(), expiresAt });
    await Event.collection.insertMany([event('evt_old', past), event('evt_new', future)] as never[]);

    await waitUntil(async () => (await IdempotencyKey.countDocuments({ _id: 'idem_old' })) + (await Delivery.countDocuments({ _id: 'dlv_old' })) + (await Event.countDocuments({ _id: 'evt_old' })) === 0, 180_000, 'expired documents removed');
    expect(await IdempotencyKey.countDocuments({ _id: 'idem_new' })).toBe(1);
    expect(await Delivery.countDocuments({ _id: { $in: ['dlv_new', 'dlv_pending'] } })).toBe(2);
    expect(await Event.countDocuments({ _id: 'evt_new' })).toBe(1);
  });
});

describe('instances starting at once', () => {
  it('four instances creating the same collections and indexes on a new database all come up', { timeout: 120_000 }, async () => {
    const dbName = uniqueName('ddl');
    const bridges = await Promise.all(Array.from({ length: 4 }, (_, i) => startTestBridge({ label: `ddl${i}`, dbName, noStart: true })));
    try {
      const names = (await bridges[0].state.models.Message.collection.listIndexes().toArray()).map((i) => i.name);
      expect(names).toEqual(expect.arrayContaining(['organizationId_1_session_1_timestamp_-1__id_-1']));
    } finally {
      for (const b of bridges) await b.close();
      await client.db(dbName).dropDatabase().catch(() => undefined);
    }
  });
});
