import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { privateDatabase, type DatabaseServer } from '../../support/services.ts';

/**
 * The local database server as scripts/docdb builds it: DocumentDB's ordered index scans, with
 * the local patch documentdb-0002 (docs/database.md). Without it, once VACUUM had emptied index
 * entries of documents that were updated (every delivery, every session), a scan of that index
 * failed with "lock BufferContent is not held": seen in the soak on the dispatcher's sweep of
 * pending deliveries, every time, until the patch.
 */
let server: DatabaseServer;
let client: MongoClient;
beforeAll(async () => {
  server = await privateDatabase();
  client = await MongoClient.connect(server.url);
});
afterAll(async () => {
  await client?.close();
  await server?.dispose();
});

describe('the local database build', () => {
  it('walks an index in order past entries that VACUUM emptied, and finds every document', { timeout: 120_000 }, async () => {
    const coll = client.db('vacuumed').collection<{ _id: string; webhookId: string; status: string }>('deliveries');
    await coll.createIndex({ webhookId: 1, status: 1, _id: -1 });
    const N = 6_000;
    const id = (i: number) => `dlv_${String(i).padStart(8, '0')}`;
    for (let s = 0; s < N; s += 2_000) await coll.insertMany(Array.from({ length: 2_000 }, (_, k) => ({ _id: id(s + k), webhookId: 'w', status: 'pending' })));
    // As the delivery worker does: each one finishes, a few at a time.
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < N) {
        const i = next++;
        await coll.updateOne({ _id: id(i) }, { $set: { status: i % 2 ? 'failed' : 'succeeded' } });
      }
    }));
    await server.sql('VACUUM');

    const index = { webhookId: 1, status: 1, _id: -1 } as const;
    expect(await coll.countDocuments({}, { hint: index })).toBe(N);
    const pending = await coll.find({ webhookId: 'w', status: 'pending' }).sort({ _id: -1 }).hint(index).limit(50).toArray();
    expect(pending).toEqual([]);
    const failed = await coll.find({ webhookId: 'w', status: 'failed' }).sort({ _id: -1 }).hint(index).toArray();
    expect(failed).toHaveLength(N / 2);
    expect(failed.map((d) => d._id)).toEqual(Array.from({ length: N / 2 }, (_, k) => id(N - 1 - 2 * k)));
  });
});
