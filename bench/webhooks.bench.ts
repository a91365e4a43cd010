/**
 * Webhook delivery throughput, against the local FerretDB and Redis (own database and key
 * prefix, removed afterwards):
 *   1. ceiling (baseline): a plain loop of signed POSTs to a local receiver, as many in flight as
 *      the engine allows per endpoint;
 *   2. storage floor: the MongoDB reads and writes the engine makes per delivery, alone;
 *   3. the whole engine (record event → fan-out → BullMQ → signed POST → attempt log) to the same
 *      receiver, one endpoint registered;
 *   4. the same beside a second healthy endpoint (control: twice the fan-out work);
 *   5. the same beside an endpoint that hangs on every request instead.
 * BENCH_SCALE (default 1) scales the number of events.
 */
import { deleteRedisKeys } from '../test/support/stack.ts';
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { Agent, request } from 'undici';
import { loadConfig } from '../bridge/src/config.ts';
import { createBridge } from '../bridge/src/bridgeRuntime.ts';
import { createLogger } from '../bridge/src/infra/logger.ts';
import { newWebhookSecret, signatureHeader } from '../bridge/src/webhooks/webhookSecret.ts';
import { DEFAULT_WEBHOOK_TUNING } from '../bridge/src/webhooks/webhookEngine.ts';
import { runBench } from './runBench.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error('BENCH_SCALE must be a positive number');
const EVENTS = Math.max(20, Math.round(1_000 * SCALE));
const RECORDERS = 20;
const PER_ENDPOINT = DEFAULT_WEBHOOK_TUNING.perEndpointInFlight;
const MONGODB_URI = process.env.TEST_MONGODB_URI ?? process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';
const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Endpoint {
  url: string;
  count: number;
  waitFor(n: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function endpoint(hang: boolean): Promise<Endpoint> {
  const open = new Set<ServerResponse>();
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count += 1;
      if (hang) open.add(res);
      else res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get count() {
      return count;
    },
    async waitFor(n, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (count < n) {
        if (Date.now() > until) throw new Error(`receiver got ${count} of ${n} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function inParallel(total: number, lanes: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

async function ceiling(target: Endpoint): Promise<number> {
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const secret = newWebhookSecret();
  const before = target.count;
  const started = performance.now();
  await inParallel(EVENTS, PER_ENDPOINT, async (i) => {
    const id = `evt_${i.toString(16).padStart(22, '0')}`;
    const body = JSON.stringify({ id, type: 'message.received', timestamp: new Date().toISOString(), session: 'main', data: { i } });
    const at = new Date();
    const res = await request(target.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signatureHeader([secret], id, at, body) },
      body,
    });
    await res.body.dump();
  });
  const seconds = (performance.now() - started) / 1_000;
  await agent.close();
  if (target.count - before !== EVENTS) throw new Error('ceiling loop lost requests');
  return EVENTS / seconds;
}

/** The engine's MongoDB operations per delivery (fan-out, then the worker), without queue or HTTP. */
async function storageFloor(db: import('mongoose').Connection): Promise<number> {
  const events = db.collection('floor_events');
  const deliveries = db.collection('floor_deliveries');
  const webhooks = db.collection('floor_webhooks');
  await deliveries.createIndex({ eventId: 1, webhookId: 1 }, { unique: true });
  await webhooks.insertOne({ _id: 'whk_floor' as never, organizationId: 'o', events: ['message.received'], sessions: null });
  const started = performance.now();
  await inParallel(EVENTS, RECORDERS, async (i) => {
    const eventId = `evt_${i}`;
    const deliveryId = `dlv_${i}`;
    await events.insertOne({ _id: eventId as never, organizationId: 'o', type: 'message.received', data: { i }, dispatchedAt: null });
    await webhooks.find({ organizationId: 'o', events: 'message.received', $or: [{ sessions: null }, { sessions: 'main' }] }).toArray();
    await deliveries.insertOne({ _id: deliveryId as never, eventId, webhookId: 'whk_floor', status: 'pending', attempts: [] });
    await Promise.all([deliveries.findOne({ _id: deliveryId as never }), webhooks.findOne({ _id: 'whk_floor' as never }), events.findOne({ _id: eventId as never })]);
    await deliveries.updateOne({ _id: deliveryId as never }, { $set: { status: 'succeeded', attempts: [{ at: new Date(), statusCode: 200 }] } });
  });
  return EVENTS / ((performance.now() - started) / 1_000);
}

async function main(): Promise<void> {
  const prefix = `bench_wh_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    MONGODB_URI,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'silent',
  });
  const healthy = await endpoint(false);
  const hanging = await endpoint(true);
  const bridge = await createBridge(config, { dbName: prefix, logger: createLogger('silent'), webhooks: { closeGraceMs: 500 } });
  await bridge.start();
  const organizationId = 'bench-org';
  let seq = 0;

  async function engineRun(): Promise<number> {
    const before = healthy.count;
    const started = performance.now();
    await inParallel(EVENTS, RECORDERS, async () => {
      await bridge.events.record({ organizationId, type: 'message.received', session: 'main', data: { n: seq++ } });
    });
    await healthy.waitFor(before + EVENTS, 120_000);
    return EVENTS / ((performance.now() - started) / 1_000);
  }

  const other = await endpoint(false);
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  const ratio = (a: number, b: number) => (a / b).toFixed(3);
  try {
    console.log(`webhooks bench: ${EVENTS} events per run (BENCH_SCALE=${SCALE}), ${PER_ENDPOINT} in flight per endpoint, ${RECORDERS} concurrent recorders`);
    const ceilingRate = await ceiling(healthy);
    console.log(`  1 ceiling: plain loop of signed POSTs          ${fmt(ceilingRate)} req/s          (baseline)`);
    const floorRate = await storageFloor(bridge.state.mongo);
    console.log(`  2 storage floor: MongoDB ops per delivery only ${fmt(floorRate)} deliveries/s   ratio to ceiling ${ratio(floorRate, ceilingRate)}`);
    await bridge.webhooks.registry.create(organizationId, { url: healthy.url, events: ['message.received'] });
    const engineRate = await engineRun();
    console.log(`  3 engine, one endpoint                         ${fmt(engineRate)} deliveries/s   ratio to ceiling ${ratio(engineRate, ceilingRate)}, to storage floor ${ratio(engineRate, floorRate)}`);
    const control = await bridge.webhooks.registry.create(organizationId, { url: other.url, events: ['message.received'] });
    const besideHealthyRate = await engineRun();
    console.log(`  4 engine, healthy beside a 2nd healthy         ${fmt(besideHealthyRate)} deliveries/s   ratio to 3 ${ratio(besideHealthyRate, engineRate)}`);
    await bridge.webhooks.registry.remove(organizationId, control.webhook.id);
    await bridge.webhooks.registry.create(organizationId, { url: hanging.url, events: ['message.received'] });
    const besideHangingRate = await engineRun();
    console.log(`  5 engine, healthy beside a hanging endpoint    ${fmt(besideHangingRate)} deliveries/s   ratio to 3 ${ratio(besideHangingRate, engineRate)}, to 4 ${ratio(besideHangingRate, besideHealthyRate)} (hanging endpoint: ${hanging.count} requests, all still open)`);
  } finally {
    await bridge.close();
    const cleanup = await createBridgeCleanup(prefix);
    await cleanup();
    await healthy.close();
    await hanging.close();
    await other.close();
  }
}

/** Drops the bench database and its Redis keys. */
async function createBridgeCleanup(prefix: string): Promise<() => Promise<void>> {
  const mongoose = (await import('mongoose')).default;
  return async () => {
    const connection = await mongoose.createConnection(MONGODB_URI, { dbName: prefix }).asPromise();
    await connection.dropDatabase();
    await connection.close();
    await deleteRedisKeys(REDIS_URL, prefix);
  };
}

runBench(main);
