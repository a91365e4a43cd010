/**
 * Soak: four bridge processes (the real bridge with the fake WhatsApp, test/support/fakeBridgeMain.ts)
 * on one database server and one Redis, under steady load for SOAK_MINUTES (default 10), while
 * the whole test suite runs beside them against the same server (SOAK_SUITE=0 leaves it out).
 *
 * Load, all the time: 16 paired sessions spread over the four bridges receive bursts of texts
 * (stored, recorded, delivered to a local webhook receiver), the API lists messages page by page
 * with cursors and in page mode, lists contacts and the delivery log, and sends messages.
 *
 * A hang is what this looks for: a watchdog asks the database (ping, a database listing and a
 * read of the soak's messages over a connection of its own) and every bridge (/readyz) every
 * 5 s; anything unanswered for HANG_MS (60 s) ends the soak as failed, naming what hung. At the
 * end it prints what was sent, stored and delivered, the slowest watchdog answer, and how the
 * suite did, and exits 1 on a hang or on lost messages.
 *
 * Run: npm run soak   (or node bench/soak.ts once the services are up; SOAK_MINUTES=1 for a short one)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort } from '../test/support/services.ts';
import { ADMIN_KEY, MONGODB_URI, REDIS_URL, deleteRedisKeys, testEnv, uniqueName, withDatabase } from '../test/support/stack.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const WITH_SUITE = process.env.SOAK_SUITE !== '0';
const BRIDGES = 4;
const SESSIONS = 16;
const HANG_MS = 60_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('../test/support/fakeBridgeMain.ts', import.meta.url));

const dbName = uniqueName('soak');
const prefix = uniqueName('soak');
const encryptionKey = randomBytes(32).toString('base64');
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const log = (msg: string) => console.log(`[soak ${elapsed()}] ${msg}`);
/** Warnings and errors the bridges logged, by message. */
const logged = new Map<string, number>();

interface BridgeProcess {
  url: string;
  child: ChildProcess;
}

async function startBridge(i: number): Promise<BridgeProcess> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    ...testEnv({
      PORT: String(port),
      MONGODB_URI: withDatabase(MONGODB_URI, dbName),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      BRIDGE_ENCRYPTION_KEY: encryptionKey,
      INSTANCE_ID: `soak-${i}`,
      SESSION_LEASE_MS: '10000',
      MAX_SESSIONS_PER_INSTANCE: String(Math.ceil(SESSIONS / BRIDGES)),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      // Short, so a delivery whose attempt timed out under the load is retried within the drain.
      WEBHOOK_RETRY_SCHEDULE: '1s,2s,5s,10s,20s,30s,30s,30s',
      LOG_LEVEL: 'warn',
    }),
  };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Every warning and error the bridge logs is counted by its message (printed at the end).
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) >= 40) {
          const key = `${entry.level === 40 ? 'warn' : 'error'}: ${entry.msg ?? '?'}${entry.err?.message ? ` (${entry.err.message.slice(0, 80)})` : ''}`;
          logged.set(key, (logged.get(key) ?? 0) + 1);
        }
      } catch {
        // not a log line
      }
    }
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[bridge ${i}] ${d}`));
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge ${i} did not start`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"ready":true'));
      if (line) {
        clearTimeout(timer);
        resolve({ url: JSON.parse(line).url as string, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`bridge ${i} exited with ${code}`)));
  });
}

async function call(url: string, method: string, path: string, key: string, body?: unknown, timeoutMs = 30_000): Promise<{ status: number; body: any }> /* eslint-disable-line @typescript-eslint/no-explicit-any -- JSON API answers */ {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  log(`${BRIDGES} bridges, ${SESSIONS} sessions, ${MINUTES} min${WITH_SUITE ? ', with the test suite beside' : ''}; database ${MONGODB_URI.replace(/\/\/[^@]*@/, '//…@')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // The webhook receiver: counts every delivery by webhook-id (duplicates are allowed, losses are not).
  const delivered = new Set<string>();
  let deliveries = 0;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      deliveries += 1;
      const event = JSON.parse(body) as { type: string; data: { messageId?: string } };
      if (event.type === 'message.received' && event.data.messageId) delivered.add(String(req.headers['webhook-id']));
      res.end('ok');
    });
  });
  const receiverPort = await freePort();
  await new Promise<void>((r) => receiver.listen(receiverPort, '127.0.0.1', r));

  const bridges: BridgeProcess[] = [];
  const watchdogClient = new MongoClient(withDatabase(MONGODB_URI, dbName), { serverSelectionTimeoutMS: HANG_MS, socketTimeoutMS: HANG_MS });
  let suite: ChildProcess | undefined;
  let suiteDone: () => void = () => undefined;
  const suiteFinished = new Promise<void>((r) => (suiteDone = r));
  let failure: string | undefined;
  const stats = { injected: 0, injectCalls: 0, apiCalls: 0, apiErrors: 0, sends: 0, maxWatchdogMs: 0, suiteRuns: [] as string[] };
  try {
    for (let i = 0; i < BRIDGES; i++) bridges.push(await startBridge(i));
    log(`bridges up: ${bridges.map((b) => b.url).join(' ')}`);
    const [first] = bridges;
    const org = await call(first.url, 'POST', '/v1/admin/organizations', ADMIN_KEY, { name: 'Soak' });
    const key = org.body.apiKey as string;
    await call(first.url, 'POST', '/v1/webhooks', key, { url: `http://127.0.0.1:${receiverPort}/hook`, events: ['message.received', 'message.sent', 'message.updated'] });
    const names = Array.from({ length: SESSIONS }, (_, i) => `soak${i}`);
    for (const name of names) await call(bridges[names.indexOf(name) % BRIDGES].url, 'POST', '/v1/sessions', key, { name });

    // Pair every session on whichever bridge owns it.
    const ownerOf = new Map<string, BridgeProcess>();
    const pairUntil = Date.now() + 120_000;
    while (ownerOf.size < SESSIONS && Date.now() < pairUntil) {
      for (const bridge of bridges) {
        const state = (await (await fetch(`${bridge.url}/__fake/state`)).json()) as { sockets: Array<{ label: string; state: string }> };
        for (const socket of state.sockets) {
          const name = socket.label.split('/')[1];
          if (socket.state === 'open') ownerOf.set(name, bridge);
          else if (!ownerOf.has(name)) await fetch(`${bridge.url}/__fake/scan/${name}`, { method: 'POST' });
        }
      }
      await sleep(500);
    }
    if (ownerOf.size < SESSIONS) throw new Error(`only ${ownerOf.size} of ${SESSIONS} sessions paired`);
    log(`all ${SESSIONS} sessions connected`);

    if (WITH_SUITE) {
      const runSuite = () => {
        const runStarted = Date.now();
        suite = spawn(process.execPath, [`${ROOT}/node_modules/vitest/vitest.mjs`, 'run', '--reporter=default'], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let tail = '';
        const failedTests: string[] = [];
        suite.stdout!.on('data', (d: Buffer) => {
          tail = (tail + d.toString()).slice(-2_000);
          // eslint-disable-next-line no-control-regex -- terminal colours
          for (const line of d.toString().replace(/\u001b\[[0-9;]*m/g, '').split('\n')) if (/^\s*FAIL\s/.test(line)) failedTests.push(line.trim());
        });
        suite.once('exit', (code, signal) => {
          // eslint-disable-next-line no-control-regex -- terminal colours
          const plain = tail.replace(/\u001b\[[0-9;]*m/g, '');
          const summary = /Tests\s+(.*)/.exec(plain)?.[1]?.trim() ?? `exit ${code ?? signal}`;
          stats.suiteRuns.push(`${summary} (${((Date.now() - runStarted) / 1000).toFixed(0)} s)${failedTests.length ? `: ${[...new Set(failedTests)].join('; ')}` : ''}`);
          log(`test suite run ${stats.suiteRuns.length}: ${summary}`);
          suite = undefined;
          if (Date.now() < started + MINUTES * 60_000 - 60_000 && !failure) runSuite();
          else suiteDone();
        });
      };
      runSuite();
    }

    const end = Date.now() + MINUTES * 60_000;
    // The watchdog: the database and every bridge must answer.
    const watchdog = (async () => {
      const db = watchdogClient.db(dbName);
      while (Date.now() < end && !failure) {
        const checks: Array<[string, () => Promise<unknown>]> = [
          ['database ping + listDatabases + read', async () => {
            await db.command({ ping: 1 });
            await watchdogClient.db('admin').admin().listDatabases({ nameOnly: true });
            await db.collection('messages').find({}).sort({ _id: -1 }).limit(5).toArray();
          }],
          ...bridges.map((b, i) => [`bridge ${i} /readyz`, async () => {
            const res = await fetch(`${b.url}/readyz`, { signal: AbortSignal.timeout(HANG_MS) });
            if (res.status !== 200) throw new Error(`readyz ${res.status}`);
          }] as [string, () => Promise<unknown>]),
        ];
        for (const [what, check] of checks) {
          const t0 = Date.now();
          const outcome = await Promise.race([check().then(() => 'ok', (e: Error) => `error: ${e.message}`), sleep(HANG_MS).then(() => 'hang')]);
          const ms = Date.now() - t0;
          stats.maxWatchdogMs = Math.max(stats.maxWatchdogMs, ms);
          if (outcome === 'hang') failure = `${what} did not answer within ${HANG_MS / 1000} s at ${elapsed()}`;
          else if (outcome !== 'ok') log(`${what}: ${outcome} (${ms} ms)`);
        }
        await sleep(5_000);
      }
    })();

    // Inbound bursts: 20 messages to a random session every 100 ms (about 200 messages/s).
    const inbound = (async () => {
      while (Date.now() < end && !failure) {
        const name = names[Math.floor(Math.random() * SESSIONS)];
        const owner = ownerOf.get(name)!;
        const res = await fetch(`${owner.url}/__fake/receive/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 20 }), signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
        stats.injectCalls += 1;
        if (res?.status === 200) stats.injected += 20;
        await sleep(100);
      }
    })();

    // API load: listings (cursor and page mode), contacts, the delivery log, sends.
    const api = (async () => {
      const hooks = await call(first.url, 'GET', '/v1/webhooks', key);
      const hookId = hooks.body.data[0].id as string;
      let n = 0;
      while (Date.now() < end && !failure) {
        const bridge = bridges[n++ % BRIDGES];
        const name = names[n % SESSIONS];
        const requests: Array<Promise<{ status: number }>> = [
          (async () => {
            let page = await call(bridge.url, 'GET', `/v1/messages?session=${name}&limit=50`, key);
            for (let k = 0; k < 3 && page.body?.pagination?.nextCursor; k++) page = await call(bridge.url, 'GET', `/v1/messages?session=${name}&limit=50&cursor=${page.body.pagination.nextCursor}`, key);
            return page;
          })(),
          call(bridge.url, 'GET', `/v1/messages?limit=20&page=${1 + (n % 20)}`, key),
          call(bridge.url, 'GET', `/v1/contacts?session=${name}&limit=50`, key),
          call(bridge.url, 'GET', `/v1/webhooks/${hookId}/deliveries?limit=50`, key),
          call(bridge.url, 'POST', `/v1/sessions/${name}/messages`, key, { to: '4915100000001', text: `soak reply ${n}` }).then((r) => {
            if (r.status === 202) stats.sends += 1;
            return r;
          }),
        ];
        for (const r of await Promise.allSettled(requests)) {
          stats.apiCalls += 1;
          if (r.status === 'rejected' || r.value.status >= 500) stats.apiErrors += 1;
        }
        await sleep(50);
      }
    })();

    await Promise.all([watchdog, inbound, api]);
    if (failure) throw new Error(failure);

    // Everything injected is stored once and delivered: wait as long as the backlog keeps moving;
    // a minute without progress is a stall.
    log('load stopped; waiting for the last writes and deliveries');
    const drainStarted = Date.now();
    const messages = watchdogClient.db(dbName).collection('messages');
    let stored = 0;
    let progressAt = Date.now();
    let last = -1;
    while (Date.now() - progressAt < HANG_MS) {
      stored = await messages.countDocuments({ direction: 'in' });
      if (stored >= stats.injected && delivered.size >= stats.injected) break;
      if (stored + delivered.size > last) {
        last = stored + delivered.size;
        progressAt = Date.now();
      }
      await sleep(2_000);
    }
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    if (stored < stats.injected || delivered.size < stats.injected) failure = `no progress for ${HANG_MS / 1000} s while draining (${stored} stored, ${delivered.size} delivered of ${stats.injected})`;
    // The suite beside: let it finish and say how it did (under this load, timing-bound tests may not).
    if (WITH_SUITE) {
      log('waiting for the test suite beside to finish');
      await suiteFinished;
    }
    const lost = stats.injected - stored;
    // Deliveries that needed more than one attempt, and why (the attempt log).
    const retried = await watchdogClient.db(dbName).collection('webhook_deliveries').aggregate<{ _id: string; n: number }>([
      { $match: { attemptCount: { $gt: 1 } } },
      { $unwind: '$attempts' },
      { $match: { 'attempts.statusCode': { $ne: 200 } } },
      { $group: { _id: { $ifNull: ['$attempts.error', 'unknown'] }, n: { $sum: 1 } } },
    ]).toArray().catch(() => []);
    const byStatus = await watchdogClient.db(dbName).collection('webhook_deliveries').aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray().catch(() => []);
    console.log('');
    console.log(`soak of ${MINUTES} min (4 bridges on one database server and one Redis; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`  inbound messages injected      ${stats.injected.toLocaleString()} (${stats.injectCalls.toLocaleString()} bursts)`);
    console.log(`  stored                         ${stored.toLocaleString()}  (lost: ${lost})`);
    console.log(`  message.received delivered     ${delivered.size.toLocaleString()} distinct (${deliveries.toLocaleString()} webhook requests in all); the backlog drained ${drainSeconds.toFixed(0)} s after the load stopped`);
    console.log(`  deliveries by status           ${byStatus.map((b) => `${b._id} ${b.n}`).join(', ')}; failed attempts: ${retried.map((r) => `${r.n} × ${r._id}`).join('; ') || 'none'}`);
    console.log(`  API requests                   ${stats.apiCalls.toLocaleString()}, of which 5xx or failed: ${stats.apiErrors}; sends accepted: ${stats.sends.toLocaleString()}`);
    console.log(`  slowest watchdog answer        ${(stats.maxWatchdogMs / 1000).toFixed(1)} s (a hang is ${HANG_MS / 1000} s)`);
    if (WITH_SUITE) console.log(`  test suite beside it           ${stats.suiteRuns.join('; ') || 'still running at the end'}`);
    console.log(`  hang                           ${failure ?? 'none'}`);
    const top = [...logged].sort((a, b) => b[1] - a[1]).slice(0, 10);
    console.log(`  logged by the bridges          ${top.length === 0 ? 'no warning or error' : ''}`);
    for (const [message, count] of top) console.log(`    ${String(count).padStart(6)} × ${message}`);
    if (failure || lost > 0 || delivered.size < stats.injected) process.exitCode = 1;
  } catch (error) {
    console.error(`SOAK FAILED: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    suite?.kill('SIGKILL');
    for (const b of bridges) b.child.kill('SIGTERM');
    await Promise.all(bridges.map((b) => new Promise((r) => (b.child.exitCode !== null ? r(null) : b.child.once('exit', r)))));
    await watchdogClient.db(dbName).dropDatabase().catch(() => undefined);
    await watchdogClient.close().catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, prefix).catch(() => undefined);
    receiver.close();
  }
}

await main();
process.exit(process.exitCode ?? 0);
