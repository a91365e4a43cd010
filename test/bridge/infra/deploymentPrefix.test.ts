import { afterAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MONGODB_URI, REDIS_URL, deleteRedisKeys, startTestBridge, uniqueName, type TestBridge } from '../../support/stack.ts';

/**
 * One deployment per Redis key prefix. Two deployments (databases) that share a Redis and a
 * prefix would take each other's webhook and inbound-write jobs, whose documents the other does
 * not have. The default prefix derives from the database; a prefix set by hand is claimed.
 */
const started: TestBridge[] = [];
const databases: string[] = [];
const prefixes: string[] = [];

async function bridgeOn(dbName: string, prefix: string | undefined): Promise<TestBridge> {
  databases.push(dbName);
  const t = await startTestBridge({ label: 'deploy', dbName, noStart: true, env: { REDIS_KEY_PREFIX: prefix } });
  started.push(t);
  prefixes.push(t.state.keyPrefix);
  return t;
}

afterAll(async () => {
  for (const t of started) await t.close().catch(() => undefined);
  const client = new MongoClient(MONGODB_URI);
  for (const db of databases) await client.db(db).dropDatabase().catch(() => undefined);
  await client.close();
  for (const prefix of new Set(prefixes)) await deleteRedisKeys(REDIS_URL, prefix);
});

describe('one deployment per Redis key prefix', () => {
  it('without REDIS_KEY_PREFIX, bridges on one database share a prefix and bridges on another get their own', async () => {
    const dbA = uniqueName('depa');
    const dbB = uniqueName('depb');
    const [a1, a2, b] = [await bridgeOn(dbA, undefined), await bridgeOn(dbA, undefined), await bridgeOn(dbB, undefined)];
    expect(a1.state.keyPrefix).toMatch(/^wab-[0-9a-f]{12}$/);
    expect(a2.state.keyPrefix).toBe(a1.state.keyPrefix);
    expect(b.state.keyPrefix).not.toBe(a1.state.keyPrefix);
  });

  it('a bridge on another database refuses a prefix that is already claimed, with one line that says why', async () => {
    const prefix = uniqueName('claimed');
    await bridgeOn(uniqueName('owner'), prefix);
    const intruderDb = uniqueName('intruder');
    databases.push(intruderDb);
    const refused = startTestBridge({ label: 'deploy', dbName: intruderDb, noStart: true, env: { REDIS_KEY_PREFIX: prefix } });
    await expect(refused).rejects.toThrow(new RegExp(`^REDIS_KEY_PREFIX "${prefix}" is already used by a deployment on another database`));
    // The same database may of course start more bridges on it.
    const again = await bridgeOn(databases[databases.length - 2], prefix);
    expect(again.state.keyPrefix).toBe(prefix);
  });
});
