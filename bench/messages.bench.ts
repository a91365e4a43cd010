/**
 * Messages benchmark: seeds N messages (1,000,000 × BENCH_SCALE) into the local MongoDB-compatible
 * server, then measures
 *   - the first page and a page half as deep as the collection, in cursor (keyset) mode and in
 *     skip-based page mode;
 *   - inbound throughput through the full path (fake socket → sink → insert-if-absent → event),
 *     beside the raw insertMany rate of the same database (the baseline).
 * On MongoDB the lookups run at N. FerretDB 1.x uses no index for sorts or ranges: it decodes and
 * sorts every matching document in memory, and one first-page query at 1,000,000 messages ran
 * over 11 minutes and grew FerretDB past 12 GB here, so on FerretDB the lookups run when the seed
 * reaches BENCH_FERRETDB_LOOKUP_AT (100,000) and seeding then goes on to N.
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
const BATCH = 10_000;
/**
 * A query that takes longer than this is reported as "> budget" and the remaining lookups are
 * skipped (on FerretDB 1.x, which sorts in memory, all four modes cost the same full fetch, and an
 * abandoned query keeps the server busy). Keeps a full run near 15 minutes.
 */
const QUERY_BUDGET_MS = Number(process.env.BENCH_QUERY_BUDGET_MS ?? 180_000);
const FERRETDB_LOOKUP_AT = Number(process.env.BENCH_FERRETDB_LOOKUP_AT ?? 100_000);

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

type Models = ReturnType<typeof createModels>;

/** Inserts messages [from, to) in batches of BATCH; a retried batch may find some stored already. */
async function seed(models: Models, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => seedDoc(start + k));
    const batchStart = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await models.Message.collection.insertMany(docs as never[], { ordered: false });
        break;
      } catch (error) {
        const writeErrors = (error as { writeErrors?: Array<{ code?: number }> }).writeErrors;
        if (Array.isArray(writeErrors) && writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000)) break;
        if (attempt >= 5) throw error;
        console.error(`seed batch at ${start} failed (${(error as Error).message}); retrying`);
      }
    }
    if (process.env.BENCH_VERBOSE) console.error(`seeded ${start + docs.length} (${((performance.now() - batchStart) / 1000).toFixed(1)} s for this batch)`);
  }
}

/** The first page and a page n/2 deep over n seeded messages, in cursor mode and in page mode. */
async function lookups(models: Models, n: number): Promise<void> {
  const depth = Math.floor(n / 2);
  console.log(`lookups over ${n.toLocaleString()} messages (page limit ${LIMIT}, deep page at ${depth.toLocaleString()}):`);
  const query = messageQuery(models, { maxTimeMs: QUERY_BUDGET_MS });
  // The cursor a client holds after `depth` messages: newest first, so it points at the depth-th newest.
  const order = (a: MessageDoc, b: MessageDoc) => b.timestamp.getTime() - a.timestamp.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
  // Within a tie group of 10 the order is by _id desc; find the depth-th newest exactly.
  const groupStart = Math.floor((n - depth) / 10) * 10;
  const group = Array.from({ length: Math.min(10, n - groupStart) }, (_, k) => seedDoc(groupStart + k)).sort(order);
  const newerThanGroup = n - Math.min(n, groupStart + 10);
  const deepLast = group[depth - newerThanGroup - 1] ?? group[group.length - 1];
  const deepCursor = encodeCursor({ t: deepLast.timestamp.getTime(), i: deepLast._id });
  const deepPage = Math.floor(depth / LIMIT) + 1;

  type Timing = Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof query.byCursor>>>>>;
  const skipped: Timing = { ms: 0, value: undefined, error: 'skipped: an earlier lookup exceeded the budget' };
  const cursorFirst = await timed(() => query.byCursor(organizationId, { session }, LIMIT));
  const cursorDeep = cursorFirst.error ? skipped : await timed(() => query.byCursor(organizationId, { session }, LIMIT, deepCursor));
  const pageFirst = cursorDeep.error ? skipped : await timed(() => query.byPage(organizationId, { session }, LIMIT, 1));
  const pageDeep = pageFirst.error ? skipped : await timed(() => query.byPage(organizationId, { session }, LIMIT, deepPage));
  const show = (r: { ms: number; error?: string }) => (r.error ? (r.ms ? `> ${fmtMs(r.ms)} (${r.error})` : r.error) : fmtMs(r.ms));
  line('  cursor mode, first page', show(cursorFirst));
  line(`  cursor mode, page ${depth.toLocaleString()} deep`, show(cursorDeep));
  line('  page mode (skip + count), first page', show(pageFirst));
  line(`  page mode (skip + count), page ${deepPage.toLocaleString()}`, show(pageDeep));
  if (!cursorDeep.error && !pageDeep.error) {
    const a = cursorDeep.value!.data.map((m) => m.id).join();
    const b = pageDeep.value!.data.map((m) => m.id).join();
    line('  deep pages identical in both modes', String(a === b));
    line('  ratio skip-deep / cursor-deep', `${(pageDeep.ms / cursorDeep.ms).toFixed(2)}×`);
  }
  if (!cursorFirst.error && !cursorDeep.error) line('  ratio cursor-deep / cursor-first', `${(cursorDeep.ms / cursorFirst.ms).toFixed(2)}×`);

  // What the server does with the cursor query (MongoDB: IXSCAN on the session index; FerretDB
  // 1.x: filter pushdown of equalities only, sort in memory).
  const cursorFilter = { ...query.filterFor(organizationId, { session }), $or: [{ timestamp: { $lt: deepLast.timestamp } }, { timestamp: deepLast.timestamp, _id: { $lt: deepLast._id } }] };
  const explained = (await models.Message.find(cursorFilter).sort({ timestamp: -1, _id: -1 }).limit(LIMIT + 1).explain()) as unknown as Record<string, unknown>;
  const planner = explained.queryPlanner as Record<string, unknown> | undefined;
  const winning = JSON.stringify(planner?.winningPlan ?? planner?.Plan ?? {}).slice(0, 300);
  line('  explain(cursor query)', `filterPushdown=${String(explained.filterPushdown)} sortPushdown=${String(explained.sortPushdown)} limitPushdown=${String(explained.limitPushdown)}`);
  line('    plan', winning);
}

async function main(): Promise<void> {
  const connection = await mongoose.createConnection(MONGODB_URI, { dbName, socketTimeoutMS: 15 * 60_000, serverSelectionTimeoutMS: 10_000, autoIndex: false }).asPromise();
  const build = (await connection.db!.admin().command({ buildInfo: 1 })) as { ferretdbVersion?: string; version?: string };
  const onFerretdb = Boolean(build.ferretdbVersion);
  const lookupAt = onFerretdb ? Math.min(N, FERRETDB_LOOKUP_AT) : N;
  console.log(`messages bench on ${onFerretdb ? `FerretDB ${build.ferretdbVersion}` : `MongoDB ${build.version}`}: N=${N.toLocaleString()} seeded, lookups at ${lookupAt.toLocaleString()}, inbound ${INBOUND.toLocaleString()} messages`);
  const models = createModels(connection);
  await ensureIndexes(models);
  let bridgeClose: (() => Promise<void>) | undefined;
  try {
    // 1. Seed (the raw insert rate: insertMany in large batches, every index of the schema in place),
    // with the lookups (2.) where the server can still answer them.
    const firstStart = performance.now();
    await seed(models, 0, lookupAt);
    let seedMs = performance.now() - firstStart;
    await lookups(models, lookupAt);
    if (lookupAt < N) {
      const restStart = performance.now();
      await seed(models, lookupAt, N);
      seedMs += performance.now() - restStart;
      line(`lookups at ${N.toLocaleString()}`, `not run on FerretDB 1.x (see the header; MONGODB_URI=<MongoDB> runs them at N)`);
    }
    const rawRate = N / (seedMs / 1000);
    line(`seed of ${N.toLocaleString()} (raw insertMany, batches of 10,000)`, `${fmtMs(seedMs)}  → ${rawRate.toFixed(0)} docs/s`);

    // 3. Inbound throughput through the full path, on the same (seeded) collection.
    const config = loadConfig({
      // A pool of 10, as npm start uses: FerretDB deadlocks beyond half its PostgreSQL pool.
      MONGODB_URI: MONGODB_URI.includes('?') ? MONGODB_URI : `${MONGODB_URI}?maxPoolSize=10`,
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
