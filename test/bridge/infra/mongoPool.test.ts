import { describe, expect, it } from 'vitest';
import { connectMongo } from '../../../bridge/src/infra/mongo.ts';
import { MONGODB_URI, uniqueName } from '../../support/stack.ts';

function withOption(uri: string, name: string, value: string): string {
  const url = new URL(uri);
  url.searchParams.set(name, value);
  return url.toString();
}

async function poolSizeFor(uri: string): Promise<number | undefined> {
  const connection = await connectMongo({ uri, dbName: uniqueName('pool') });
  try {
    return connection.getClient().options.maxPoolSize;
  } finally {
    await connection.close();
  }
}

// Operators size the pool in MONGODB_URI, as with any MongoDB client; the bridge adds no default
// of its own that could override it.
describe('MongoDB connection pool', () => {
  it("takes maxPoolSize from MONGODB_URI, and the driver's default (100) when the URI does not say", async () => {
    const plain = new URL(MONGODB_URI);
    plain.searchParams.delete('maxPoolSize');
    expect(await poolSizeFor(withOption(plain.toString(), 'maxPoolSize', '3'))).toBe(3);
    expect(await poolSizeFor(withOption(withOption(plain.toString(), 'appName', 'x'), 'maxpoolsize', '4'))).toBe(4);
    expect(await poolSizeFor(plain.toString())).toBe(100);
  });
});
