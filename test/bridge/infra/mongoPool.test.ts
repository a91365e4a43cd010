import { describe, expect, it } from 'vitest';
import { connectMongo } from '../../../bridge/src/infra/mongo.ts';
import { uniqueName } from '../../support/stack.ts';

async function poolSizeFor(uri: string): Promise<number | undefined> {
  const connection = await connectMongo({ uri, dbName: uniqueName('pool') });
  try {
    return connection.getClient().options.maxPoolSize;
  } finally {
    await connection.close();
  }
}

// Operators size the pool in MONGODB_URI (a small one for FerretDB, which deadlocks beyond half
// its PostgreSQL pool); the driver would let the bridge's own default override it.
describe('MongoDB connection pool', () => {
  it('takes maxPoolSize from MONGODB_URI, and 20 when the URI does not say', async () => {
    expect(await poolSizeFor('mongodb://127.0.0.1:27017/?maxPoolSize=3')).toBe(3);
    expect(await poolSizeFor('mongodb://127.0.0.1:27017/?appName=x&maxpoolsize=4')).toBe(4);
    expect(await poolSizeFor('mongodb://127.0.0.1:27017/')).toBe(20);
  });
});
