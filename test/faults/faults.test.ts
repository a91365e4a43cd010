import { afterAll, describe, expect, it } from 'vitest';
import { privateDatabase, privateRedis } from '../support/services.ts';
import { faultStage, stream, tally, type FaultStage, type Tally } from './faultHarness.ts';

/**
 * The fault suite: the bridge with the real Baileys against the simulator, a contact writing a
 * stream of texts, and a fault in the middle of it. Each scenario prints sent / stored /
 * duplicates / delivered / lost and fails on any loss or duplicate. Deliveries are at least once:
 * a message may reach the webhook more than once, always with the same webhook-id.
 */
const results: Tally[] = [];
afterAll(() => {
  console.log('[faults] scenario | sent | stored | duplicates | delivered | lost | deliveries');
  for (const r of results) console.log(`[faults] ${r.scenario} | ${r.sent} | ${r.stored} | ${r.duplicates + r.duplicateEvents} | ${r.delivered} | ${r.lost} | ${r.deliveries}`);
});

function expectNothingLostOrDoubled(result: Tally): void {
  results.push(result);
  expect({ lost: result.lost, duplicates: result.duplicates, duplicateEvents: result.duplicateEvents, delivered: result.delivered }).toEqual({
    lost: 0,
    duplicates: 0,
    duplicateEvents: 0,
    delivered: result.sent,
  });
}

const DB_DOWN_MS = 60_000;
const REDIS_DOWN_MS = 30_000;
const RECEIVER_DOWN_MS = 60_000;

describe('faults mid-stream, through the real Baileys', () => {
  it('the database down 60 s in the middle of 2,000 texts', { timeout: 600_000 }, async () => {
    const database = await privateDatabase();
    let stage: FaultStage | undefined;
    try {
      stage = await faultStage('fault-db', { MONGODB_URI: database.url });
      let back: Promise<void> | undefined;
      const ids = await stream(stage, 2_000, async (i) => {
        if (i !== 500) return;
        await database.stop();
        back = new Promise((resolve) => setTimeout(resolve, DB_DOWN_MS)).then(() => database.start());
      });
      await back;
      expectNothingLostOrDoubled(await tally(stage, 'database down 60 s', ids));
    } finally {
      await stage?.close();
      await database.dispose();
    }
  });

  it('Redis down 30 s in the middle of 1,000 texts', { timeout: 600_000 }, async () => {
    const redis = await privateRedis();
    let stage: FaultStage | undefined;
    try {
      stage = await faultStage('fault-redis', { REDIS_URL: redis.url });
      let back: Promise<void> | undefined;
      const ids = await stream(stage, 1_000, async (i) => {
        if (i !== 300) return;
        await redis.stop();
        back = new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_MS)).then(() => redis.start());
      });
      await back;
      expectNothingLostOrDoubled(await tally(stage, 'Redis down 30 s', ids));
    } finally {
      await stage?.close();
      await redis.dispose();
    }
  });

  it('the webhook receiver down for a minute in the middle of 1,000 texts', { timeout: 600_000 }, async () => {
    const stage = await faultStage('fault-receiver');
    try {
      let back: Promise<void> | undefined;
      const ids = await stream(stage, 1_000, (i) => {
        if (i !== 200) return;
        stage.receiver.down = true;
        back = new Promise((resolve) => setTimeout(resolve, RECEIVER_DOWN_MS)).then(() => {
          stage.receiver.down = false;
        });
      });
      await back;
      expectNothingLostOrDoubled(await tally(stage, 'webhook receiver down 60 s', ids));
    } finally {
      await stage.close();
    }
  });
});
