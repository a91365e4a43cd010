/**
 * Messages benchmark: seeds N messages (1,000,000 × BENCH_SCALE) into the local MongoDB-compatible
 * server, then measures
 *   - the first page and a page N/2 deep, in cursor (keyset) mode and in skip-based page mode;
 *   - inbound throughput through the full path (fake socket → sink → insert-if-absent → event),
 *     beside the raw insertMany rate of the same database (the baseline).
 * Run: node bench/messages.bench.ts   (BENCH_SCALE=0.01 for a quick run)
 */
import { deleteRedisKeys } from '../test/support/stack.ts';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { createModels, ensureIndexes } from '../bridge/src/models/index.ts';
import { messageQuery } from '../bridge/src/messages/messageQuery.ts';
import { encodeCursor } from '../bridge/src/http/pageCursor.ts';
import { storedMessageId } from '../bridge/src/messages/messageKey.ts';
import type { MessageDoc } from '../bridge/src/models/message.ts';
import { loadConfig } from '../bridge/src/config.ts';
import { createBridge } from '../bridge/src/bridgeRuntime.ts';
import { FakeWhatsApp } from '../test/support/fakeSocket.ts';
import { FakeGateway } from '../test/support/fakeGateway.ts';
import { textMessage } from '../test/support/waMessages.ts';
import { withDeadline } from '../bridge/src/infra/deadline.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Math.max(1_000, Math.round(1_000_000 * SCALE));
const INBOUND = Math.max(200, Math.round(10_000 * Math.min(1, SCALE * 10)));
const LIMIT = 50;
const DEPTH = Math.floor(N / 2);
const BATCH = 10_000;
/**
 * A query that takes longer than this is reported as "> budget" and the remaining lookups are
 * skipped (on FerretDB 1.x, which sorts in memory, all four modes cost the same full fetch, and an
 * abandoned query keeps the server busy). Keeps a full run near 15 minutes.
 */
const QUERY_BUDGET_MS = Number(process.env.BENCH_QUERY_BUDGET_MS ?? 180_000);

const runId = randomBytes(4).toString('hex');
const dbName = `bench_messages_${runId}`;
const prefix = `bench_messages_${runId}`;
const organizationId = 'org_bench';
const session = 'bench';
const chats = Array.from({ length: 100 }, (_, i) => `49151${String(i).padStart(8, '0')}@s.whatsapp.net`);
const base = Date.parse('2025-01-01T00:00:00Z');

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);

/** Message i: one second apart, except that every 10 share a timestamp (ties exercise the _id tiebreak). */
function seedDoc(i: number): MessageDoc {
  const chat = chats[i % chats.length];
  const messageId = `BENCH${i.toString(16).padStart(10, '0').toUpperCase()}`;
  const key = { organizationId, session, chat, messageId, fromMe: i % 3 === 0 };
  const timestamp = new Date(base + Math.floor(i / 10) * 1000);
  return {
    _id: storedMessageId(key),
    ...key,
    from: key.fromMe ? null : chat,
    pushName: 'Bench',
    direction: key.fromMe ? 'out' : 'in',
    type: 'text',
    rawType: null,
    text: `message ${i} lorem ipsum dolor sit amet`,
    media: null,
    location: null,
    contacts: null,
    reaction: null,
    quotedMessageId: null,
    status: 'delivered',
    statusRank: 3,
    timestamp,
    createdAt: timestamp,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T | undefined; error?: string }> {
  const started = performance.now();
  try {
    const value = await withDeadline(fn(), QUERY_BUDGET_MS, 'query');
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, value: undefined, error: (error as Error).message.slice(0, 120) };
  }
}

async function main(): Promise<void> {
  console.log(`messages bench: N=${N.toLocaleString()} seeded, page limit ${LIMIT}, deep page at ${DEPTH.toLocaleString()}, inbound ${INBOUND.toLocaleString()} messages`);
  const connection = await mongoose.createConnection(MONGODB_URI, { dbName, socketTimeoutMS: 15 * 60_000, serverSelectionTimeoutMS: 10_000, autoIndex: false }).asPromise();
  const models = createModels(connection);
  await ensureIndexes(models);
  const collection = models.Message.collection;
  let bridgeClose: (() => Promise<void>) | undefined;
  try {
    // 1. Seed (the raw insert rate: insertMany in large batches, every index of the schema in place).
    const seedStart = performance.now();
    for (let from = 0; from < N; from += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, N - from) }, (_, k) => seedDoc(from + k));
      const batchStart = performance.now();
      for (let attempt = 1; ; attempt++) {
        try {
          await collection.insertMany(docs as never[], { ordered: false });
          break;
        } catch (error) {
          // A retried batch finds some of its documents stored already: that is fine.
          const writeErrors = (error as { writeErrors?: Array<{ code?: number }> }).writeErrors;
          if (Array.isArray(writeErrors) && writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000)) break;
          if (attempt >= 5) throw error;
          console.error(`seed batch at ${from} failed (${(error as Error).message}); retrying`);
        }
      }
      if (process.env.BENCH_VERBOSE) console.error(`seeded ${from + docs.length} (${((performance.now() - batchStart) / 1000).toFixed(1)} s for this batch)`);
    }
    const seedMs = performance.now() - seedStart;
    const rawRate = N / (seedMs / 1000);
    line('seed (raw insertMany, batches of 10,000)', `${fmtMs(seedMs)}  → ${rawRate.toFixed(0)} docs/s`);

    // 2. Lookup: first page and a page DEPTH deep, cursor mode vs page (skip) mode.
    const query = messageQuery(models, { maxTimeMs: QUERY_BUDGET_MS });
    // The cursor a client holds after DEPTH messages: newest first, so it points at the DEPTH-th newest.
    const sorted = (i: number) => seedDoc(i);
    const order = (a: MessageDoc, b: MessageDoc) => b.timestamp.getTime() - a.timestamp.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
    // Within a tie group of 10 the order is by _id desc; find the DEPTH-th newest exactly.
    const groupStart = Math.floor((N - DEPTH) / 10) * 10;
    const group = Array.from({ length: Math.min(10, N - groupStart) }, (_, k) => sorted(groupStart + k)).sort(order);
    const newerThanGroup = N - Math.min(N, groupStart + 10);
    const deepLast = group[DEPTH - newerThanGroup - 1] ?? group[group.length - 1];
    const deepCursor = encodeCursor({ t: deepLast.timestamp.getTime(), i: deepLast._id });
    const deepPage = Math.floor(DEPTH / LIMIT) + 1;

    type Timing = Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof query.byCursor>>>>>;
    const skipped: Timing = { ms: 0, value: undefined, error: 'skipped: an earlier lookup exceeded the budget' };
    const cursorFirst = await timed(() => query.byCursor(organizationId, { session }, LIMIT));
    const cursorDeep = cursorFirst.error ? skipped : await timed(() => query.byCursor(organizationId, { session }, LIMIT, deepCursor));
    const pageFirst = cursorDeep.error ? skipped : await timed(() => query.byPage(organizationId, { session }, LIMIT, 1));
    const pageDeep = pageFirst.error ? skipped : await timed(() => query.byPage(organizationId, { session }, LIMIT, deepPage));
    const show = (r: { ms: number; error?: string }) => (r.error ? (r.ms ? `> ${fmtMs(r.ms)} (${r.error})` : r.error) : fmtMs(r.ms));
    line('cursor mode, first page', show(cursorFirst));
    line(`cursor mode, page ${DEPTH.toLocaleString()} deep`, show(cursorDeep));
    line('page mode (skip + count), first page', show(pageFirst));
    line(`page mode (skip + count), page ${deepPage.toLocaleString()}`, show(pageDeep));
    if (!cursorDeep.error && !pageDeep.error) {
      const a = cursorDeep.value!.data.map((m) => m.id).join();
      const b = pageDeep.value!.data.map((m) => m.id).join();
      line('deep pages identical in both modes', String(a === b));
      line('ratio skip-deep / cursor-deep', `${(pageDeep.ms / cursorDeep.ms).toFixed(2)}×`);
    }
    if (!cursorFirst.error) line('ratio cursor-deep / cursor-first', `${(cursorDeep.ms / cursorFirst.ms).toFixed(2)}×`);

    // What the server does with the cursor query (MongoDB: IXSCAN on the session index; FerretDB
    // 1.x: filter pushdown of equalities only, sort in memory).
    const cursorFilter = { ...query.filterFor(organizationId, { session }), $or: [{ timestamp: { $lt: deepLast.timestamp } }, { timestamp: deepLast.timestamp, _id: { $lt: deepLast._id } }] };
    const explained = (await models.Message.find(cursorFilter).sort({ timestamp: -1, _id: -1 }).limit(LIMIT + 1).explain()) as unknown as Record<string, unknown>;
    const planner = explained.queryPlanner as Record<string, unknown> | undefined;
    const winning = JSON.stringify(planner?.winningPlan ?? planner?.Plan ?? {}).slice(0, 300);
    line('explain(cursor query)', `filterPushdown=${String(explained.filterPushdown)} sortPushdown=${String(explained.sortPushdown)} limitPushdown=${String(explained.limitPushdown)}`);
    line('  plan', winning);

    // 3. Inbound throughput through the full path, on the same (seeded) collection.
    const config = loadConfig({
      MONGODB_URI,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
      PORT: '0',
    });
    const whatsapp = new FakeWhatsApp();
    const gateway = new FakeGateway();
    const bridge = await createBridge(config, { dbName, socketFactory: whatsapp.factory, sessionGateway: gateway });
    bridgeClose = () => bridge.close();
    gateway.bind(whatsapp, bridge.sinks, bridge.state.log);
    await bridge.start();
    const socket = gateway.connect(organizationId, 'inbound');
    let received = 0;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    bridge.events.onRecorded((event) => {
      if (event.type === 'message.received' && ++received === INBOUND) resolveDone();
    });
    const inboundStart = performance.now();
    for (let i = 0; i < INBOUND; i++) {
      socket.receive([textMessage(`inbound ${i}`, { chat: chats[i % chats.length], at: Date.now() })]);
      // Let the pipeline breathe like a live socket would (one event loop turn per message).
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 600_000))]);
    const inboundMs = performance.now() - inboundStart;
    const inboundRate = received / (inboundMs / 1000);
    line('inbound path (socket → stored + event), 1 msg/upsert', `${received.toLocaleString()} in ${fmtMs(inboundMs)} → ${inboundRate.toFixed(0)} msg/s`);
    line('ratio inbound / raw insert', `${(inboundRate / rawRate).toFixed(3)}× (raw ${rawRate.toFixed(0)} docs/s)`);
    gateway.closeAll();
  } finally {
    await bridgeClose?.().catch(() => undefined);
    await connection.dropDatabase().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, prefix);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
