/**
 * npm run bench -- outbound: an outbound burst through one real bridge (issue 14, part 2):
 * OUTBOUND_N texts (default 1,000, scaled by BENCH_SCALE) through POST /v1/sessions/main/messages,
 * OUTBOUND_CONCURRENCY requests in flight (default 50), round-robin to OUTBOUND_K simulated
 * contacts (default 10). Each text goes API → queue → Baileys socket → the simulator, where the
 * contact decrypts it; the simulator process records when. Prints messages/s from the first
 * request to the last decryption, and latency p50/p95/max from request to decryption. The bridge
 * has no pacing setting for sends (bridge/src/config.ts), so nothing is turned off.
 * Processes as in burst.bench.ts (burst/stage.ts); BURST_CPU_PROF=1 profiles the bridge.
 */
import { loadavg } from 'node:os';
import { runBench } from './runBench.ts';
import type { ChildPart } from './burst/ipc.ts';
import { now } from './burst/ipc.ts';
import { cpuSeconds, databaseCpuSeconds, rssMiB } from './burst/procStats.ts';
import { bridgeStage, closeAll, inFlight, percentile, sleep, startPart, until, type BridgeStage } from './burst/stage.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
if (!(SCALE > 0)) throw new Error('BENCH_SCALE must be a positive number');
const N = Number(process.env.OUTBOUND_N ?? Math.max(20, Math.round(1_000 * SCALE)));
const K = Math.min(N, Number(process.env.OUTBOUND_K ?? 10));
const CONCURRENCY = Number(process.env.OUTBOUND_CONCURRENCY ?? 50);
const TIMEOUT_MS = 120_000 + N * 500;

const secs = (ms: number) => `${(ms / 1_000).toFixed(2)} s`;
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const parts: ChildPart[] = [];
  let stage: BridgeStage | undefined;
  try {
    const { part: simulator, ready } = await startPart('simulator', './simulatorProcess.ts');
    parts.push(simulator);
    const phones: string[] = await simulator.request('contacts', { k: K });
    stage = await bridgeStage(simulator, ready.url, 'outbound', undefined);
    const { bridge, key } = stage;
    const pid = bridge.child.pid as number;
    // One text to each contact first: the bridge fetches each contact's devices and keys once.
    for (const phone of phones) {
      const res = await bridge.call('POST', '/v1/sessions/main/messages', { to: phone, text: `warm-up ${phone}` }, key);
      if (res.status !== 202) throw new Error(`warm-up send: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await until(async () => {
      const got = new Set((await simulator.request('receivedTimes')).map(([t]: [string]) => t));
      return phones.every((p) => got.has(`warm-up ${p}`));
    }, 60_000, 'warm-up texts decrypted', 100);
    await sleep(2_000);
    console.log(`outbound: ${N} texts to ${K} contacts, ${CONCURRENCY} requests in flight; load average ${load()}`);
    const rssIdle = rssMiB(pid);
    const cpu0 = { bridge: cpuSeconds(pid), db: databaseCpuSeconds() };
    const requestedAt = new Map<string, number>();
    const answerMs: number[] = [];
    const refused: string[] = [];
    const started = now();
    await inFlight(N, CONCURRENCY, async (i) => {
      const text = `out ${i + 1}`;
      const at = now();
      requestedAt.set(text, at);
      const res = await bridge.call('POST', '/v1/sessions/main/messages', { to: phones[i % K], text }, key);
      answerMs.push(now() - at);
      if (res.status !== 202) refused.push(`${res.status} ${JSON.stringify(res.body)}`);
    });
    const accepted = now();
    let received = new Map<string, number>();
    try {
      await until(async () => {
        received = new Map(await simulator.request('receivedTimes'));
        return [...requestedAt.keys()].every((t) => received.has(t));
      }, TIMEOUT_MS, 'every text decrypted by its contact', 100);
    } catch (error) {
      console.error(String(error));
    }
    const cpu1 = { bridge: cpuSeconds(pid), db: databaseCpuSeconds() };
    const rssAfter = rssMiB(pid);
    const latencies = [...requestedAt].filter(([t]) => received.has(t)).map(([t, at]) => (received.get(t) as number) - at).sort((a, b) => a - b);
    const last = Math.max(...[...requestedAt.keys()].filter((t) => received.has(t)).map((t) => received.get(t) as number));
    const missing = N - latencies.length;
    const throughput = latencies.length / ((last - started) / 1_000);
    const p95 = percentile(latencies, 95);
    answerMs.sort((a, b) => a - b);
    if (refused.length) console.log(`outbound: ${refused.length} requests refused, e.g. ${refused[0]}`);
    console.log(`outbound: the API accepted all ${N} in ${secs(accepted - started)} (${(N / ((accepted - started) / 1_000)).toFixed(0)} req/s; answer p50/p95 ${percentile(answerMs, 50).toFixed(0)} / ${percentile(answerMs, 95).toFixed(0)} ms)`);
    console.log(
      `outbound: ${N} msgs to ${K} contacts: ${throughput.toFixed(1)} msg/s, latency request→decrypted p50/p95/max ${secs(percentile(latencies, 50))} / ${secs(p95)} / ${secs(latencies.at(-1) ?? NaN)}, ` +
        `RSS before/after ${rssIdle.toFixed(0)} / ${rssAfter.toFixed(0)} MiB, CPU bridge/db ${(cpu1.bridge - cpu0.bridge).toFixed(1)} / ${(cpu1.db.total - cpu0.db.total).toFixed(1)} s, missing ${missing}; load average ${load()}`,
    );
    console.log(`outbound: goals: ≥ 200 msg/s ${throughput >= 200 ? 'met' : 'NOT met'}; p95 ≤ 1 s ${p95 <= 1_000 ? 'met' : 'NOT met'}`);
    if (missing > 0) throw new Error(`outbound: ${missing} of ${N} texts never reached their contact`);
  } finally {
    await closeAll(stage, parts);
  }
}

runBench(main);
