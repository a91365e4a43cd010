import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, expect } from 'vitest';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import { trustSimulatorRoot } from '../../bridge/src/simulator/trustSimulatorRoot.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import type { SimulatedContact } from '../../bridge/src/simulator/simulatedContact.ts';
import { baileysSocketFactory } from '../../bridge/src/whatsapp/baileysSocket.ts';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../support/stack.ts';
import { hasStatus, until, waitForQr, waitForSession } from '../support/sessionWaits.ts';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from '../support/recordingServer.ts';

trustSimulatorRoot();

export const FAULT_RETRY_SCHEDULE = ['1s', '2s', '4s', '8s', '15s', ...Array<string>(40).fill('30s')].join(',');

/** What a fault scenario ends with, as the suite prints it. */
export interface Tally {
  scenario: string;
  sent: number;
  stored: number;
  duplicates: number;
  /** Distinct messages delivered to the webhook (deliveries are deduplicated by webhook-id). */
  delivered: number;
  lost: number;
  /** Webhook deliveries received, retries and repeats included (at least once). */
  deliveries: number;
  /** Messages announced under more than one event id (a second message.received, not a retry). */
  duplicateEvents: number;
}

export interface FaultStage {
  simulator: WhatsAppSimulator;
  bridge: TestBridge;
  key: string;
  device: LinkedDevice;
  contact: SimulatedContact;
  /** The webhook receiver; `accepted` holds the deliveries it answered with 204 (not those it refused while down). */
  receiver: RecordingServer & { down: boolean; accepted: RecordedRequest[] };
  /** Restarts the bridge on the same database, Redis and keys (a crash or a deploy). */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A bridge with the real Baileys, paired with a simulated phone, a contact that writes to it and a
 * webhook receiver that can be taken down. `env` points the bridge at private servers to break.
 */
export async function faultStage(label: string, env: Record<string, string> = {}): Promise<FaultStage> {
  const simulator = await WhatsAppSimulator.start();
  const accepted: RecordedRequest[] = [];
  const recording = await startRecordingServer((request) => {
    if (receiver.down) return { status: 503 };
    accepted.push(request);
    return { status: 204 };
  });
  const receiver = Object.assign(recording, { down: false, accepted });
  const dbName = uniqueName(label);
  const prefix = uniqueName(label);
  const encryptionKey = randomBytes(32).toString('base64');
  const start = (extra: Record<string, string> = {}) =>
    startTestBridge({
      label,
      dbName,
      env: {
        WA_WEBSOCKET_URL: simulator.url,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        // Attempts for 20 minutes: longer than any outage a scenario makes.
        WEBHOOK_RETRY_SCHEDULE: FAULT_RETRY_SCHEDULE,
        BRIDGE_ENCRYPTION_KEY: encryptionKey,
        REDIS_KEY_PREFIX: prefix,
        ...env,
        ...extra,
      },
      bridgeOptions: { socketFactory: baileysSocketFactory, reconnect: { backoff: { baseMs: 200, capMs: 2_000 } }, inbound: { writeTimeoutMs: 1_000, retryBaseMs: 100, retryMaxMs: 1_000 } },
    });
  let bridge = await start();
  const { apiKey: key } = await bridge.createOrganization();
  await bridge.request('POST', '/v1/webhooks', { key, body: { url: `${receiver.url}/hook`, events: ['message.received'] } });
  await bridge.request('POST', '/v1/sessions', { key, body: { name: 'main' } });
  const phone = simulator.createPhone(`1555${String(Date.now()).slice(-7)}`, 'Fault Phone');
  const device = await simulator.scan(await waitForQr(bridge, key, 'main', 20_000), phone);
  await waitForSession(bridge, key, 'main', hasStatus('connected'), 30_000);
  const contact = simulator.createContact(undefined, 'Fault Contact');
  const stage: FaultStage = {
    simulator,
    get bridge() {
      return bridge;
    },
    key,
    device,
    contact,
    receiver,
    async restart(extra = {}) {
      await bridge.close().catch(() => undefined);
      bridge = await start(extra);
      await waitForSession(bridge, key, 'main', hasStatus('connected'), 60_000);
    },
    async close() {
      await bridge.close().catch(() => undefined);
      await receiver.close();
      await simulator.stop();
      const client = new MongoClient(env.MONGODB_URI ?? MONGODB_URI);
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
  return stage;
}

/**
 * The contact sends `count` numbered texts, one after another, as a phone does: a text the device
 * could not take (offline for a moment) is sent again under the same id until it goes through.
 * `during(i)` runs before text i (to inject a fault mid-stream).
 */
export async function stream(stage: Pick<FaultStage, 'contact' | 'device' | 'simulator'>, count: number, during: (i: number) => Promise<void> | void = () => undefined): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    await during(i);
    const id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    ids.push(id);
    for (;;) {
      try {
        await stage.contact.sendText(stage.device, `fault text ${i + 1}`, id);
        break;
      } catch {
        await until(() => !!stage.simulator.connectionOf(stage.device), 120_000, 'the device online again');
      }
    }
  }
  return ids;
}

/** Where a tally reads from: the deliveries the receiver accepted, and the stored messages. */
export interface TallySource {
  accepted: RecordedRequest[];
  storedDocs(ids: string[]): Promise<Array<{ messageId: string; text: string | null }>>;
}

function sourceOf(stage: FaultStage | TallySource): TallySource {
  if ('storedDocs' in stage) return stage;
  return {
    accepted: stage.receiver.accepted,
    storedDocs: async (ids) => (await stage.bridge.state.models.Message.find({ messageId: { $in: ids } }, { messageId: 1, text: 1 }).lean().catch(() => [])) as Array<{ messageId: string; text: string | null }>,
  };
}

/** Waits until every sent id is stored and delivered (or the time is up), then counts. */
export async function tally(stage: FaultStage | TallySource, scenario: string, ids: string[], timeoutMs = 240_000): Promise<Tally> {
  const { accepted, storedDocs: stored } = sourceOf(stage);
  const wanted = new Set(ids);
  const received = () => accepted.filter((r) => r.body?.type === 'message.received' && wanted.has(r.body.data?.messageId));
  const deliveredIds = () => new Set(received().map((r) => r.body.data.messageId as string));
  const storedDocs = () => stored(ids);
  try {
    await until(async () => deliveredIds().size === wanted.size && (await storedDocs()).filter((d) => d.text).length === wanted.size, timeoutMs, `${scenario}: all stored and delivered`);
  } catch {
    // Counted below: the tally says what is missing.
  }
  const docs = await storedDocs();
  const withContent = new Set(docs.filter((d) => d.text).map((d) => d.messageId));
  const webhookIds = received();
  const result: Tally = {
    scenario,
    sent: ids.length,
    stored: withContent.size,
    duplicates: docs.length - new Set(docs.map((d) => d.messageId)).size,
    delivered: deliveredIds().size,
    lost: ids.filter((id) => !withContent.has(id)).length,
    deliveries: webhookIds.length,
    duplicateEvents: [...Map.groupBy(webhookIds, (r) => r.body.data.messageId as string).values()].filter((hits) => new Set(hits.map((h) => h.headers['webhook-id'])).size > 1).length,
  };
  console.log(`[faults] ${JSON.stringify(result)}`);
  return result;
}

/**
 * A fault suite's report: call once at the top of a test file. Each scenario's tally is checked
 * (nothing lost, nothing stored or announced twice, every message delivered) and printed in one
 * table when the file ends. `known` losses are ones the scenario has explained itself (the
 * documented boundary), and are still printed.
 */
export function faultReport(): { expectNothingLostOrDoubled(result: Tally, known?: number): void } {
  const results: Tally[] = [];
  afterAll(() => {
    console.log('[faults] scenario | sent | stored | duplicates | delivered | lost | deliveries');
    for (const r of results) console.log(`[faults] ${r.scenario} | ${r.sent} | ${r.stored} | ${r.duplicates + r.duplicateEvents} | ${r.delivered} | ${r.lost} | ${r.deliveries}`);
  });
  return {
    expectNothingLostOrDoubled(result, known = 0) {
      results.push(result);
      expect({ lost: result.lost, duplicates: result.duplicates, duplicateEvents: result.duplicateEvents, delivered: result.delivered }).toEqual({
        lost: known,
        duplicates: 0,
        duplicateEvents: 0,
        delivered: result.sent - known,
      });
    },
  };
}
