/**
 * Runs in its own process with --expose-gc (see test/bridge/sessions/sessionLeak.test.ts):
 * creates, connects, disconnects and deletes SESSIONS sessions through the real session manager
 * with the fake socket, and prints one JSON line with heap and active handles before and after.
 */
import { loadConfig } from '../../bridge/src/config.ts';
import { createBridge } from '../../bridge/src/bridgeRuntime.ts';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { FakeWhatsApp } from './fakeSocket.ts';
import { testEnv, uniqueName } from './stack.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const total = Number(process.env.SESSIONS ?? 1000);
const concurrency = 8;
const prefix = uniqueName('leak');
const config = loadConfig(testEnv({ REDIS_KEY_PREFIX: prefix, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }));
const whatsapp = new FakeWhatsApp();
const bridge = await createBridge(config, {
  dbName: uniqueName('leak'),
  socketFactory: whatsapp.factory,
  reconnect: { backoff: { baseMs: 5, capMs: 20 } },
});
await bridge.start();
const orgId = 'org_leak';

/** What each cycle is waiting on, for the watchdog below. */
const steps = new Map<number, { step: string; since: number }>();
function step(i: number, name: string): void {
  steps.set(i, { step: name, since: Date.now() });
}

async function cycle(i: number): Promise<void> {
  const name = `s${i}`;
  const label = `${orgId}/${name}`;
  step(i, 'create');
  await bridge.sessions.create(orgId, name, { start: true });
  step(i, 'wait for the first socket');
  const pairing = await whatsapp.waitFor(label, (s) => s.listenerCount() > 0, 20_000);
  await new Promise((r) => setTimeout(r, 5));
  pairing.scanQr();
  step(i, 'wait for open after pairing');
  const first = await whatsapp.waitFor(label, (s) => s !== pairing && s.state === 'open' && s.listenerCount() > 0, 20_000);
  first.close(DisconnectReason.connectionLost);
  step(i, 'wait for reconnect');
  await whatsapp.waitFor(label, (s) => s !== first && s.state === 'open', 20_000);
  step(i, 'remove');
  await bridge.sessions.remove(orgId, name, false);
  steps.delete(i);
  // The harness's own record of sockets is not the bridge's memory.
  for (let k = whatsapp.sockets.length - 1; k >= 0; k--) if (whatsapp.sockets[k].label === label) whatsapp.sockets.splice(k, 1);
}

// A cycle stuck for a minute is a hang, not slowness: say where every cycle is, and fail.
const watchdog = setInterval(() => {
  const stuck = [...steps].filter(([, s]) => Date.now() - s.since > 60_000);
  if (stuck.length === 0) return;
  process.stderr.write(`stalled cycles: ${JSON.stringify(Object.fromEntries([...steps].map(([i, s]) => [`s${i}`, `${s.step} for ${Date.now() - s.since} ms`])))}\n`);
  process.exit(2);
}, 5_000);
watchdog.unref();

async function run(from: number, count: number): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < from + count) await cycle(next++);
  }));
}

async function settle(): Promise<{ heapUsed: number; handles: number; resources: Record<string, number> }> {
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 100));
    gc!();
  }
  // Periodic timers (the claim loop, the driver's heartbeats) are re-armed all the time, and a
  // query in flight holds a deadline timer: take the floor over samples spread across 3 s (longer
  // than any periodic pass takes on a loaded FerretDB), so a count is what stays, not what
  // happened to be in flight.
  const resources: Record<string, number> = {};
  for (let sample = 0; sample < 60; sample++) {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
    for (const key of new Set([...Object.keys(counts), ...Object.keys(resources)])) {
      resources[key] = sample === 0 ? (counts[key] ?? 0) : Math.min(resources[key] ?? 0, counts[key] ?? 0);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { heapUsed: process.memoryUsage().heapUsed, handles: Object.values(resources).reduce((a, b) => a + b, 0), resources };
}

const warmup = 50;
await run(0, warmup);
const before = await settle();
const started = Date.now();
await run(warmup, total);
const elapsedMs = Date.now() - started;
const after = await settle();
const live = bridge.sessions.localSessions().length;
const liveSockets = whatsapp.live().length;
const remaining = await bridge.state.models.Session.countDocuments({});
const authDocs = await bridge.state.models.AuthState.countDocuments({});
await bridge.state.mongo.dropDatabase();
const keys = await bridge.state.redis.keys(`${prefix}*`);
if (keys.length) await bridge.state.redis.del(...keys);
await bridge.close();
process.stdout.write(`${JSON.stringify({ total, elapsedMs, before, after, live, liveSockets, remaining, authDocs })}\n`);
process.exit(0);
