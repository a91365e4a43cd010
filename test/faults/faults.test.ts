import { describe, expect, it } from 'vitest';
import { privateDatabase, privateRedis } from '../support/services.ts';
import { faultStage, stream, tally, type FaultStage, faultReport } from './faultHarness.ts';

/**
 * The fault suite: the bridge with the real Baileys against the simulator, a contact writing a
 * stream of texts, and a fault in the middle of it. Each scenario prints sent / stored /
 * duplicates / delivered / lost and fails on any loss or duplicate. Deliveries are at least once:
 * a message may reach the webhook more than once, always with the same webhook-id.
 */
const { expectNothingLostOrDoubled } = faultReport();

const DB_DOWN_MS = 60_000;
const REDIS_DOWN_MS = 30_000;
/** The 10 minutes in CI (CI=true); a minute in a local run. */
const RECEIVER_DOWN_MS = process.env.CI === 'true' ? 600_000 : 60_000;
const receiverDown = `${RECEIVER_DOWN_MS / 60_000} min`;

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

  it('the WhatsApp connection dropping every 150 texts, each time with a backlog Baileys had not acknowledged', { timeout: 600_000 }, async () => {
    const stage = await faultStage('fault-drop');
    try {
      // As WhatsApp's server does: what the device did not acknowledge is redelivered (the same
      // ciphertext) at its next login, and what is sent while it is away waits for it.
      stage.simulator.queueWhileOffline = true;
      // Each drop comes while Baileys has a backlog of received, unacknowledged texts (the case
      // where a closed socket could spend their Signal keys): at least 30 pending, then every 150.
      const drops: number[] = [];
      const ids = await stream(stage, 1_000, (i) => {
        const pending = stage.simulator.pendingFor(stage.device).length;
        if ((pending >= 30 && (drops.length === 0 || i - drops.at(-1)! > 150)) || (i > 0 && i % 300 === 0 && drops.every((d) => i - d > 150))) {
          drops.push(i);
          console.log(`[faults] drop at text ${i} with ${pending} unacknowledged`);
          stage.simulator.dropConnections();
        }
      });
      expectNothingLostOrDoubled(await tally(stage, 'connection dropped with a backlog', ids));
      expect(stage.simulator.nacksFrom(stage.device)).toEqual([]);
    } finally {
      await stage.close();
    }
  });

  it(`the webhook receiver down ${receiverDown} in the middle of 1,000 texts`, { timeout: RECEIVER_DOWN_MS + 600_000 }, async () => {
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
      expectNothingLostOrDoubled(await tally(stage, `webhook receiver down ${receiverDown}`, ids));
    } finally {
      await stage.close();
    }
  });
});
