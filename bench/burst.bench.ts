/**
 * npm run bench -- burst: an inbound burst end to end through one real bridge (issue 14, part 1).
 * Each part runs in a process of its own:
 *   - the real bridge with the real Baileys (launchBridge with BAILEYS_MAIN), against the local
 *     database and Redis (own database and key prefix, removed afterwards);
 *   - the simulator (burst/simulatorProcess.ts), which encrypts the whole burst first and then
 *     sends it as fast as the device's connection takes it, recording the send time per message;
 *   - a webhook receiver (burst/receiverProcess.ts) recording the receive time per message.received.
 * N messages from K contacts (BURST_N, BURST_K; defaults 2,000 and 20, N scaled by BENCH_SCALE).
 * Ceilings measured in the same run:
 *   a. the same pre-encrypted burst from the simulator to a bare Baileys client that only decrypts
 *      (burst/bareClient.ts), until it has emitted messages.upsert for all N;
 *   b. N signed POSTs to the same receiver, as many in flight as the bridge's webhook worker
 *      allows per endpoint (burst/postLoop.ts).
 * BURST_CPU_PROF=1 runs the bridge under --cpu-prof (BURST_CPU_PROF_DIR, default /tmp/burst-prof);
 * BURST_COUNT_COMMANDS=1 counts the bridge's own MongoDB commands by collection (costs CPU: not
 * for the timed figures). BURST_RSS_WAIT_S (default 60) is the wait before the last RSS reading.
 * The figures are this machine's, with whatever else runs on it: read them with the load average.
 */
import { loadavg } from 'node:os';
import { DEFAULT_WEBHOOK_TUNING } from '../bridge/src/webhooks/webhookEngine.ts';
import { runBench } from './runBench.ts';
import type { ChildPart } from './burst/ipc.ts';
import { MONGODB_URI } from '../test/support/stack.ts';
import { commandDelta, cpuSeconds, databaseCommands, databaseCpuSeconds, databasePids, rssMiB } from './burst/procStats.ts';
import { bridgeStage, closeAll, percentile, sleep, startPart, type BridgeStage } from './burst/stage.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error('BENCH_SCALE must be a positive number');
const N = Number(process.env.BURST_N ?? Math.max(20, Math.round(2_000 * SCALE)));
const K = Math.min(N, Number(process.env.BURST_K ?? 20));
const RSS_WAIT_S = Number(process.env.BURST_RSS_WAIT_S ?? 60);
const BURST_TIMEOUT_MS = 120_000 + N * 500;

const rate = (n: number, ms: number) => n / (ms / 1_000);
/** CLOCK_MONOTONIC in µs: the clock V8's CPU profiles timestamp samples with (same across processes). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1_000n);
const f0 = (v: number) => v.toFixed(0);
const f1 = (v: number) => v.toFixed(1);
const secs = (ms: number) => `${(ms / 1_000).toFixed(2)} s`;
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
/** The bridge's V8 heap in use (its /metrics), to tell retained objects from memory V8 keeps reserved. */
async function heapUsedMiB(stage: BridgeStage): Promise<number> {
  const metrics = await stage.bridge.call('GET', '/metrics').catch(() => undefined);
  const used = String(metrics?.body ?? '').match(/^wab_nodejs_heap_size_used_bytes (\S+)/m);
  return used ? Number(used[1]) / 2 ** 20 : NaN;
}

async function ceilingPosts(receiver: ChildPart, receiverUrl: string): Promise<number> {
  const { part } = await startPart('post-loop', './postLoop.ts');
  try {
    await receiver.request('expectRaw', { n: N });
    const complete = receiver.next('rawComplete', BURST_TIMEOUT_MS);
    const { started, failed } = await part.request('run', { url: `${receiverUrl}/raw`, n: N, concurrency: DEFAULT_WEBHOOK_TUNING.perEndpointInFlight });
    const { last } = await complete;
    if (failed) throw new Error(`ceiling b: ${failed} POSTs failed`);
    return rate(N, last - started);
  } finally {
    await part.kill();
  }
}

async function ceilingBaileys(simulator: ChildPart, simulatorUrl: string): Promise<{ rate: number; encryptMs: number }> {
  const { part } = await startPart('bare-baileys', './bareClient.ts', [simulatorUrl]);
  try {
    const { qr } = await part.next('qr', 60_000);
    const open = part.next('open', 60_000);
    await simulator.request('pair', { label: 'bare', qr });
    await open;
    await simulator.request('settled', { label: 'bare', timeoutMs: 30_000 });
    await sleep(1_000);
    const { ids, encryptMs } = await simulator.request('prepare', { label: 'bare', n: N, prefix: 'bare' });
    await part.request('expect', { ids });
    const done = part.next('done', BURST_TIMEOUT_MS);
    const { sent } = await simulator.request('send', { label: 'bare' });
    const { at } = await done;
    return { rate: rate(N, at - sent[0][1]), encryptMs };
  } finally {
    await part.request('stop').catch(() => undefined);
    await sleep(200);
    await part.kill();
  }
}

async function main(): Promise<void> {
  const parts: ChildPart[] = [];
  let stage: BridgeStage | undefined;
  const db = databasePids();
  if (db.ferretdb.length === 0 && db.postmasters.length === 0) console.warn('burst: no local ferretdb/postgres process found: database CPU will read 0');
  try {
    const { part: receiver, ready: r } = await startPart('receiver', './receiverProcess.ts');
    parts.push(receiver);
    const { part: simulator, ready: s } = await startPart('simulator', './simulatorProcess.ts');
    parts.push(simulator);
    const receiverUrl = r.url as string;
    const simulatorUrl = s.url as string;
    await simulator.request('contacts', { k: K });
    console.log(`burst: ${N} messages from ${K} contacts; load average ${load()}`);

    const ceilingB = await ceilingPosts(receiver, receiverUrl);
    console.log(`burst: ceiling b (signed POST loop, ${DEFAULT_WEBHOOK_TUNING.perEndpointInFlight} in flight): ${f0(ceilingB)} msg/s`);
    const a = await ceilingBaileys(simulator, simulatorUrl);
    console.log(`burst: ceiling a (simulator → bare Baileys messages.upsert): ${f0(a.rate)} msg/s (pre-encrypting took ${secs(a.encryptMs)})`);

    stage = await bridgeStage(simulator, simulatorUrl, 'burst', `${receiverUrl}/hook`);
    const pid = stage.bridge.child.pid as number;
    await sleep(3_000);
    const rssIdle = rssMiB(pid);
    const heapIdle = await heapUsedMiB(stage);
    const { ids, encryptMs } = await simulator.request('prepare', { label: 'burst', n: N, prefix: 'burst' });
    await receiver.request('expect', { ids });
    const complete = receiver.next('complete', BURST_TIMEOUT_MS);
    const commands0 = await databaseCommands(MONGODB_URI);
    const bridgeCommands0 = await stage.commands();
    const cpu0 = { bridge: cpuSeconds(pid), db: databaseCpuSeconds() };
    const burstFrom = monotonicUs();
    const loadBefore = load();
    const progress = setInterval(() => {
      void receiver.request('progress').then((p) => console.log(`burst: … ${p.seen}/${N} delivered`), () => undefined);
    }, 15_000);
    let sent: Array<[string, number]>;
    let sendDone: number;
    try {
      ({ sent, done: sendDone } = await simulator.request('send', { label: 'burst' }));
      await complete.catch((e: unknown) => console.error(String(e)));
    } finally {
      clearInterval(progress);
    }
    const cpu1 = { bridge: cpuSeconds(pid), db: databaseCpuSeconds() };
    const rssAfter = rssMiB(pid);
    const heapAfter = await heapUsedMiB(stage);
    const loadAfter = load();
    const commands = commandDelta(commands0, await databaseCommands(MONGODB_URI));
    const bridgeCommands1 = await stage.commands();
    const window = { from: burstFrom, to: monotonicUs() };

    const deliveries: Array<[string, string, number]> = await receiver.request('report');
    const sentAt = new Map(sent);
    const firstAt = new Map<string, number>();
    const eventIds = new Map<string, Set<string>>();
    let deliveriesOfBurst = 0;
    for (const [id, webhookId, at] of deliveries) {
      if (!sentAt.has(id)) continue;
      deliveriesOfBurst += 1;
      if (!firstAt.has(id)) firstAt.set(id, at);
      const set = eventIds.get(id) ?? new Set<string>();
      set.add(webhookId);
      eventIds.set(id, set);
    }
    const lost = N - firstAt.size;
    const duplicateEvents = [...eventIds.values()].filter((s2) => s2.size > 1).length;
    const latencies = [...firstAt].map(([id, at]) => at - (sentAt.get(id) as number)).sort((x, y) => x - y);
    const firstSend = sent[0][1];
    const lastWebhook = Math.max(...firstAt.values());
    const throughput = rate(firstAt.size, lastWebhook - firstSend);
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    const max = latencies.at(-1) ?? NaN;
    const cpuBridge = cpu1.bridge - cpu0.bridge;
    const cpuDb = cpu1.db.total - cpu0.db.total;
    console.log(`burst: pre-encrypting took ${secs(encryptMs)}; the simulator sent all ${N} in ${secs(sendDone - firstSend)} (${f0(rate(N, sendDone - firstSend))} msg/s)`);
    console.log(`burst: delivered ${firstAt.size}/${N} distinct (lost ${lost}), ${deliveriesOfBurst} deliveries, ${duplicateEvents} messages announced under more than one event id`);
    if (commands.length) {
      const total = commands.reduce((a, [, n]) => a + n, 0);
      console.log(`burst: database commands during the burst (server-wide: other clients of the server count too): ${total} = ${(total / N).toFixed(1)} per message (${commands.map(([name, n]) => `${name} ${(n / N).toFixed(2)}`).join(', ')})`);
    }
    if (bridgeCommands0 && bridgeCommands1) {
      const own = commandDelta(bridgeCommands0, bridgeCommands1);
      console.log(`burst: the bridge's own MongoDB commands during the burst, per message: ${own.map(([name, n]) => `${name} ${(n / N).toFixed(2)}`).join(', ')}`);
    }
    // The CPU profile's clock (monotonic, µs): node bench/burst/profileSummary.ts reads PROFILE_FROM/PROFILE_TO.
    console.log(`burst: burst window on the monotonic clock: PROFILE_FROM=${window.from} PROFILE_TO=${window.to}`);
    console.log(`burst: load average before ${loadBefore}, after ${loadAfter}`);

    console.log(`burst: waiting ${RSS_WAIT_S} s for the RSS reading after the burst…`);
    await sleep(RSS_WAIT_S * 1_000);
    const rssLater = rssMiB(pid);
    const heapLater = await heapUsedMiB(stage);
    console.log(`burst: V8 heap in use idle/after/+${RSS_WAIT_S}s ${f0(heapIdle)} / ${f0(heapAfter)} / ${f0(heapLater)} MiB`);
    console.log(
      `burst: ${N} msgs from ${K} contacts: ${f1(throughput)} msg/s (ceiling a: ${f0(a.rate)} msg/s, ratio ${(throughput / a.rate).toFixed(3)}; ceiling b: ${f0(ceilingB)} msg/s, ratio ${(throughput / ceilingB).toFixed(3)}), ` +
        `latency p50/p95/max ${secs(p50)} / ${secs(p95)} / ${secs(max)}, RSS idle/after/+${RSS_WAIT_S}s ${f0(rssIdle)} / ${f0(rssAfter)} / ${f0(rssLater)} MiB, ` +
        `CPU bridge/db ${f1(cpuBridge)} / ${f1(cpuDb)} s (ferretdb ${f1(cpu1.db.ferretdb - cpu0.db.ferretdb)}, postgres ${f1(cpu1.db.postgres - cpu0.db.postgres)}), lost ${lost}`,
    );
    const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(
      `burst: goals: ≥ 300 msg/s ${goal(throughput >= 300)}; p95 ≤ 1 s ${goal(p95 <= 1_000)}; ≥ 50 % of ceiling a ${goal(throughput / a.rate >= 0.5)}; RSS +${RSS_WAIT_S}s within 20 % of idle ${goal(rssLater <= rssIdle * 1.2)} (${f0((rssLater / rssIdle - 1) * 100)} %)`,
    );
    if (lost > 0) throw new Error(`burst: ${lost} of ${N} messages never reached the webhook`);
  } finally {
    await closeAll(stage, parts);
  }
}

runBench(main);
