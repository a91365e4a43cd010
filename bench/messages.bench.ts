/**
 * Messages benchmark: seeds N messages (1,000,000 × BENCH_SCALE) into the database MONGODB_URI
 * names (by default the local FerretDB 2 on PostgreSQL/DocumentDB), then measures, in one run:
 *   - the first page of a session's messages, and the cursor (keyset) page N/2 deep;
 *   - the skip-based page mode at the same depth (page + limit, with its count);
 *   - findOne: GET /v1/messages/:id's lookup by id;
 *   - the inbound path's store rate (fake socket → sink → stored once + message.received event)
 *     beside the raw insert rate of the same database (the seed: insertMany in batches), the ceiling.
 * Lookups are the warm median of RUNS runs (the first, cold run in parentheses).
 * Goals (issue 10): deep cursor page within 2× of the first page; first page under 50 ms;
 * inbound path at least 50 % of the raw insert rate.
 * Run: node bench/messages.bench.ts   (BENCH_SCALE=0.01 for a quick run)
 */
import { deleteRedisKeys } from '../test/support/stack.ts';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { createModels, ensureIndexes } from '../bridge/src/models/index.ts';
import { cursorListing, messageQuery } from '../bridge/src/messages/messageQuery.ts';
import { explainListing } from '../bridge/src/infra/listing.ts';
import { summarisePlan } from '../test/support/queryPlan.ts';
import { encodeCursor } from '../bridge/src/infra/pageCursor.ts';
import { storedMessageId } from '../bridge/src/messages/messageKey.ts';
import type { MessageDoc } from '../bridge/src/models/message.ts';
import { loadConfig } from '../bridge/src/config.ts';
import { createBridge } from '../bridge/src/bridgeRuntime.ts';
import { FakeWhatsApp } from '../test/support/fakeSocket.ts';
import { FakeGateway } from '../test/support/fakeGateway.ts';
import { textMessage } from '../test/support/waMessages.ts';
import { withDeadline } from '../bridge/src/infra/deadline.ts';
import { isDuplicateKey } from '../bridge/src/infra/duplicateKey.ts';
import { runBench } from './runBench.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Math.max(1_000, Math.round(1_000_000 * SCALE));
const INBOUND = Math.max(200, Math.round(10_000 * Math.min(1, SCALE * 10)));
const LIMIT = 50;
const BATCH = 10_000;
const RUNS = 5;
/** A query slower than this is reported as "> budget" (a server without index use would take minutes). */
const QUERY_BUDGET_MS = Number(process.env.BENCH_QUERY_BUDGET_MS ?? 60_000);

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
        if (isDuplicateKey(error)) break;
        if (attempt >= 5) throw error;
        console.error(`seed batch at ${start} failed (${(error as Error).message}); retrying`);
      }
    }
    if (process.env.BENCH_VERBOSE) console.error(`seeded ${start + docs.length} (${((performance.now() - batchStart) / 1000).toFixed(1)} s for this batch)`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `fn` once cold and RUNS times warm; the warm median and the cold time. */
async function measured<T>(fn: () => Promise<T>): Promise<{ ms: number; coldMs: number; value: T | undefined; error?: string }> {
  const cold = await timed(fn);
  if (cold.error) return { ms: cold.ms, coldMs: cold.ms, value: undefined, error: cold.error };
  const warm: number[] = [];
  let value = cold.value;
  for (let i = 0; i < RUNS; i++) {
    const run = await timed(fn);
    if (run.error) return { ms: run.ms, coldMs: cold.ms, value: undefined, error: run.error };
    warm.push(run.ms);
    value = run.value;
  }
  return { ms: median(warm), coldMs: cold.ms, value };
}

const verdict = (ok: boolean) => (ok ? 'goal met' : 'GOAL MISSED');

/** The first page and a page n/2 deep over n seeded messages, in cursor mode and in page mode; findOne. */
async function lookups(models: Models, n: number): Promise<{ firstMs: number; deepMs: number }> {
  const depth = Math.floor(n / 2);
  console.log(`lookups over ${n.toLocaleString()} messages in one session (page limit ${LIMIT}, deep page ${depth.toLocaleString()} deep; warm median of ${RUNS}, cold run in parentheses):`);
  const query = messageQuery(models);
  // The cursor a client holds after `depth` messages: newest first, so it points at the depth-th newest.
  const order = (a: MessageDoc, b: MessageDoc) => b.timestamp.getTime() - a.timestamp.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
  // Within a tie group of 10 the order is by _id desc; find the depth-th newest exactly.
  const groupStart = Math.floor((n - depth) / 10) * 10;
  const group = Array.from({ length: Math.min(10, n - groupStart) }, (_, k) => seedDoc(groupStart + k)).sort(order);
  const newerThanGroup = n - Math.min(n, groupStart + 10);
  const deepLast = group[depth - newerThanGroup - 1] ?? group[group.length - 1];
  const deepCursor = encodeCursor({ t: deepLast.timestamp.getTime(), i: deepLast._id });
  const deepPage = Math.floor(depth / LIMIT) + 1;

  const show = (r: { ms: number; coldMs: number; error?: string }) => (r.error ? `> ${fmtMs(r.ms)} (${r.error})` : `${fmtMs(r.ms)} (${fmtMs(r.coldMs)})`);
  const cursorFirst = await measured(() => query.byCursor(organizationId, { session }, LIMIT));
  const cursorDeep = await measured(() => query.byCursor(organizationId, { session }, LIMIT, deepCursor));
  const pageDeep = await measured(() => query.byPage(organizationId, { session }, LIMIT, deepPage));
  const ids = Array.from({ length: 200 }, (_, k) => seedDoc(Math.floor(((k * 7919) % 200) * (n / 200)))._id);
  const one = async () => {
    const times: number[] = [];
    for (const id of ids) {
      const started = performance.now();
      await query.byId(organizationId, id);
      times.push(performance.now() - started);
    }
    return times;
  };
  const findOne = await timed(one);
  line('  first page (cursor mode)', show(cursorFirst));
  line(`  cursor page ${depth.toLocaleString()} deep`, show(cursorDeep));
  line(`  skip page at the same depth (page ${deepPage.toLocaleString()}, skip + count)`, show(pageDeep));
  if (findOne.value) {
    const sorted = [...findOne.value].sort((a, b) => a - b);
    line('  findOne by id (GET /v1/messages/:id), 200 ids', `median ${fmtMs(median(sorted))}, p95 ${fmtMs(sorted[Math.floor(sorted.length * 0.95)])}`);
  } else line('  findOne by id', `failed: ${findOne.error}`);
  if (!cursorDeep.error && !pageDeep.error) {
    line('  deep pages identical in both modes', String(cursorDeep.value!.data.map((m) => m.id).join() === pageDeep.value!.data.map((m) => m.id).join()));
    line('  ratio skip-deep / cursor-deep', `${(pageDeep.ms / cursorDeep.ms).toFixed(1)}×`);
  }
  if (!cursorFirst.error && !cursorDeep.error) {
    const ratio = cursorDeep.ms / cursorFirst.ms;
    line('  ratio cursor-deep / first page (goal ≤ 2×)', `${ratio.toFixed(2)}× — ${verdict(ratio <= 2)}`);
    line('  first page (goal < 50 ms)', `${fmtMs(cursorFirst.ms)} — ${verdict(cursorFirst.ms < 50)}`);
  }
  // What the server does with the deep cursor query: the index it walks, and no sort in memory.
  const plan = summarisePlan(await explainListing(models.Message, cursorListing(organizationId, { session }, LIMIT, deepCursor)));
  line('  plan of the deep cursor query', `index ${plan.indexes.join(', ')}; sorts in memory: ${plan.sortsInMemory}; bounded on ${plan.boundedFields.join(', ')}`);
  return { firstMs: cursorFirst.ms, deepMs: cursorDeep.ms };
}

async function main(): Promise<void> {
  const connection = await mongoose.createConnection(MONGODB_URI, { dbName, socketTimeoutMS: 15 * 60_000, serverSelectionTimeoutMS: 10_000, autoIndex: false }).asPromise();
  const build = (await connection.db!.admin().command({ buildInfo: 1 })) as { ferretdb?: { version?: string }; version?: string };
  const server = build.ferretdb?.version ? `FerretDB ${build.ferretdb.version} (DocumentDB on PostgreSQL)` : `MongoDB ${build.version}`;
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`messages bench on ${server}: N=${N.toLocaleString()} seeded, inbound ${INBOUND.toLocaleString()} messages; load average ${load}`);
  const models = createModels(connection);
  await ensureIndexes(models);
  let bridgeClose: (() => Promise<void>) | undefined;
  try {
    // 1. Seed: the raw insert rate (insertMany in batches of 10,000, every index of the schema in place).
    const seedStart = performance.now();
    await seed(models, 0, N);
    const seedMs = performance.now() - seedStart;
    const rawRate = N / (seedMs / 1000);
    line(`seed of ${N.toLocaleString()} (raw insertMany, batches of 10,000)`, `${fmtMs(seedMs)} → ${rawRate.toFixed(0)} docs/s`);
    // 2. Lookups.
    await lookups(models, N);

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
    line('inbound path (socket → stored once + event)', `${received.toLocaleString()} in ${fmtMs(inboundMs)} → ${inboundRate.toFixed(0)} msg/s`);
    line('ratio inbound / raw insert (goal ≥ 0.5)', `${(inboundRate / rawRate).toFixed(3)}× of ${rawRate.toFixed(0)} docs/s — ${verdict(inboundRate / rawRate >= 0.5)}`);
    gateway.closeAll();
  } finally {
    await bridgeClose?.().catch(() => undefined);
    await connection.dropDatabase().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, prefix);
  }
}

runBench(main);
