/**
 * Sessions benchmark: how long a bridge takes to restore N persisted, paired sessions at
 * start-up (fake WhatsApp socket, real FerretDB/Redis), and how much heap an idle connected
 * session costs.
 *
 * Baselines measured in the same run:
 *  - restore: the bare I/O floor, i.e. reading every session's document and encrypted creds with
 *    the same concurrency and nothing else; the ratio is what ownership, fencing, status writes
 *    and session.status events cost on top.
 *  - memory: N bare fake sockets holding the same loaded auth state without any bridge around
 *    them; the ratio is the bridge's own overhead per session.
 *
 * Run: node bench/sessions.bench.ts   (BENCH_SCALE=0.1 for a quick run)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../bridge/src/config.ts';
import { createBridge } from '../bridge/src/bridgeRuntime.ts';
import { createAppState } from '../bridge/src/appState.ts';
import { mongoAuthStateStore } from '../bridge/src/sessions/authStateStore.ts';
import { createLogger } from '../bridge/src/infra/logger.ts';
import { newId } from '../bridge/src/infra/ids.ts';
import { FakeWhatsApp, type FakeSocket } from '../test/support/fakeSocket.ts';
import { testEnv, uniqueName } from '../test/support/stack.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const scale = Number(process.env.BENCH_SCALE ?? 1);
const N = Math.max(10, Math.round(1_000 * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
const CONCURRENCY = 16;
const dbName = uniqueName('benchsessions');
const prefix = uniqueName('benchsessions');
const env = testEnv({ REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent', MAX_SESSIONS_PER_INSTANCE: String(N + 10), SESSION_LEASE_MS: '30000' });
const config = loadConfig(env);

async function heap(): Promise<number> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 50));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

async function eachBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

// 1. Seed N paired sessions, as a bridge that was running them would have left them.
const seedState = await createAppState(config, { dbName, logger: createLogger('silent') });
const store = mongoAuthStateStore(seedState.models, seedState.secrets);
const ids: string[] = [];
const seedStarted = Date.now();
const docs = Array.from({ length: N }, (_, i) => {
  const id = newId('ses');
  ids.push(id);
  const now = new Date();
  return {
    _id: id, organizationId: 'org_bench', name: `s${i}`, status: 'connected', desiredState: 'running',
    phoneNumber: `1555${String(i).padStart(7, '0')}`, pushName: null, lastConnectedAt: now, lastDisconnectedAt: null,
    lastDisconnectReason: null, reconnectAttempts: 0, nextReconnectAt: null, fencingToken: 0, owner: null, createdAt: now, updatedAt: now,
  };
});
for (let i = 0; i < docs.length; i += 500) {
  await seedState.models.Session.collection.insertMany(docs.slice(i, i + 500) as unknown as Parameters<typeof seedState.models.Session.collection.insertMany>[0]);
}
await eachBounded(ids, CONCURRENCY, async (id) => {
  const auth = await store.load(id);
  auth.state.creds.me = { id: `1555${id.slice(-7)}:1@s.whatsapp.net`, name: 'Bench' };
  auth.state.creds.registered = true;
  await auth.saveCreds();
});
console.log(`seeded ${N} paired sessions in ${Date.now() - seedStarted} ms`);

// 2. Baseline: the bare reads a restore cannot avoid, and bare sockets over the loaded state.
const floorStarted = Date.now();
const running = await seedState.models.Session.find({ desiredState: 'running' }, { _id: 1 }).lean();
const loaded: Array<Awaited<ReturnType<typeof store.load>>> = [];
await eachBounded(running.map((d) => String(d._id)), CONCURRENCY, async (id) => {
  await seedState.models.Session.findById(id).lean();
  loaded.push(await store.load(id));
});
const floorMs = Date.now() - floorStarted;

const bareWhatsapp = new FakeWhatsApp();
bareWhatsapp.autoOpen = false;
const bareLogger = createLogger('silent');
const bare: FakeSocket[] = loaded.map((auth, i) => bareWhatsapp.factory({ auth: auth.state, label: `org_bench/s${i}`, logger: bareLogger }) as FakeSocket);
await new Promise((r) => setTimeout(r, 100));
for (const s of bare) s.open();
const bareWith = await heap();
bare.length = 0;
bareWhatsapp.sockets.length = 0;
loaded.length = 0;
const bareWithout = await heap();
// Measured the same way as the bridge below: what dropping them gives back.
const barePerSession = (bareWith - bareWithout) / N;

// 3. Restore: a fresh bridge on the same database starts every running session.
const whatsapp = new FakeWhatsApp();
const heapBeforeBridge = await heap();
const bridge = await createBridge(config, { dbName, socketFactory: whatsapp.factory, logger: createLogger('silent') });
const heapIdleBridge = await heap();
const restoreStarted = Date.now();
await bridge.start();
while (whatsapp.live().filter((s) => s.state === 'open').length < N) await new Promise((r) => setTimeout(r, 20));
const allOpenMs = Date.now() - restoreStarted;
while ((await bridge.state.models.Session.countDocuments({ status: 'connected', owner: config.instanceId })) < N) await new Promise((r) => setTimeout(r, 50));
const restoreMs = Date.now() - restoreStarted;
// Let the status writes and events settle before measuring memory.
await new Promise((r) => setTimeout(r, 1_000));
const heapWithSessions = await heap();

await bridge.sessions.close();
whatsapp.sockets.length = 0;
const heapAfterClose = await heap();
// What closing the sessions gives back is what they held (the bridge's pools and caches stay).
const perSession = (heapWithSessions - heapAfterClose) / N;

console.log(`restore of ${N} persisted sessions: all sockets open after ${allOpenMs} ms, all documents "connected" after ${restoreMs} ms (${(N / (restoreMs / 1000)).toFixed(0)} sessions/s, concurrency ${CONCURRENCY})`);
console.log(`  baseline (bare reads of the same documents and creds): ${floorMs} ms; restore/baseline = ${(restoreMs / floorMs).toFixed(2)}x`);
console.log(`memory per idle connected session (bridge + fake socket + auth state): ${(perSession / 1024).toFixed(1)} KiB`);
console.log(`  baseline (bare fake socket with the same auth state): ${(barePerSession / 1024).toFixed(1)} KiB; ratio = ${(perSession / barePerSession).toFixed(2)}x`);
console.log(`  heap: before bridge ${mib(heapBeforeBridge)}, idle bridge ${mib(heapIdleBridge)}, ${N} sessions ${mib(heapWithSessions)}, after close ${mib(heapAfterClose)}`);

await bridge.state.mongo.dropDatabase();
const keys = await bridge.state.redis.keys(`${prefix}*`);
if (keys.length) await bridge.state.redis.del(...keys);
await bridge.close();
await seedState.close();
process.exit(0);
