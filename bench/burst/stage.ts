/**
 * What the burst and outbound benchmarks share: the simulator and the receiver in processes of
 * their own, and the real bridge (real Baileys, launchBridge with BAILEYS_MAIN) paired with a
 * simulated phone, an organization, a webhook for message.received and one session "main".
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { BAILEYS_MAIN, launchBridge, removeDeployment, type BridgeProcess, type Deployment } from '../../test/support/bridgeProcess.ts';
import { ADMIN_KEY, uniqueName } from '../../test/support/stack.ts';
import { ChildPart } from './ipc.ts';

export const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}

export async function startPart(name: string, file: string, args: string[] = []): Promise<{ part: ChildPart; ready: { url: string } }> {
  const part = new ChildPart(name, here(file), args);
  const ready = await part.next<{ url: string }>('ready', 60_000);
  return { part, ready };
}

export interface BridgeStage {
  bridge: BridgeProcess;
  key: string;
  webhookSecret: string;
  /** With BURST_COUNT_COMMANDS=1: the bridge's MongoDB commands so far, by command and collection (else undefined). */
  commands(): Promise<Record<string, number> | undefined>;
  close(): Promise<void>;
}

/**
 * Launches the bridge against the simulator, creates the organization, the webhook (when
 * `webhookUrl`) and session "main", and pairs it (the simulator process scans the QR as device
 * `label`). BURST_CPU_PROF=1 runs it under --cpu-prof (profile in BURST_CPU_PROF_DIR, default
 * /tmp/burst-prof, written when close() stops it with SIGTERM); BURST_COUNT_COMMANDS=1 preloads
 * commandCounter.ts (the bridge's MongoDB commands by collection; see commands()).
 */
export async function bridgeStage(simulator: ChildPart, simulatorUrl: string, label: string, webhookUrl: string | undefined, env: Record<string, string> = {}): Promise<BridgeStage> {
  const deployment: Deployment = { dbName: uniqueName(label), prefix: uniqueName(label), encryptionKey: randomBytes(32).toString('base64') };
  const spool = await mkdtemp(join(tmpdir(), `${label}-spool-`));
  const profDir = process.env.BURST_CPU_PROF_DIR ?? '/tmp/burst-prof';
  const profiling = process.env.BURST_CPU_PROF === '1';
  const counting = process.env.BURST_COUNT_COMMANDS === '1';
  const commandsFile = join(spool, 'commands.json');
  const nodeOptions = [
    ...(profiling ? [`--cpu-prof --cpu-prof-dir=${profDir}`] : []),
    ...(counting ? [`--import=${pathToFileURL(here('./commandCounter.ts')).href}`] : []),
  ].join(' ');
  const processes: BridgeProcess[] = [];
  const close = async () => {
    for (const p of processes) {
      // A SIGTERM lets it shut down and write its CPU profile; removeDeployment SIGKILLs what is left.
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGTERM');
      await Promise.race([exited, sleep(profiling ? 30_000 : 5_000)]);
    }
    await removeDeployment(deployment, processes).catch((e: unknown) => console.error('cleanup:', e));
    await rm(spool, { recursive: true, force: true });
  };
  try {
    const bridge = await launchBridge(
      deployment,
      `${label}-bridge`,
      {
        WA_WEBSOCKET_URL: simulatorUrl,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        LOG_LEVEL: 'warn',
        BRIDGE_SPOOL_DIR: spool,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        ...(counting ? { BURST_COMMANDS_FILE: commandsFile } : {}),
        ...env,
      },
      BAILEYS_MAIN,
    );
    processes.push(bridge);
    const org = await bridge.call('POST', '/v1/admin/organizations', { name: label }, ADMIN_KEY);
    if (org.status !== 201) throw new Error(`create organization: ${org.status} ${JSON.stringify(org.body)}`);
    const key = org.body.apiKey as string;
    let webhookSecret = '';
    if (webhookUrl) {
      const hook = await bridge.call('POST', '/v1/webhooks', { url: webhookUrl, events: ['message.received'] }, key);
      if (hook.status !== 201) throw new Error(`create webhook: ${hook.status} ${JSON.stringify(hook.body)}`);
      webhookSecret = hook.body.secret;
    }
    const session = await bridge.call('POST', '/v1/sessions', { name: 'main' }, key);
    if (session.status !== 201) throw new Error(`create session: ${session.status} ${JSON.stringify(session.body)}`);
    let qr = '';
    await until(async () => {
      const res = await bridge.call('GET', '/v1/sessions/main/qr', undefined, key);
      qr = res.status === 200 ? res.body.qr : '';
      return !!qr;
    }, 30_000, 'a QR code');
    await simulator.request('pair', { label, qr });
    await until(async () => (await bridge.call('GET', '/v1/sessions/main', undefined, key)).body?.status === 'connected', 60_000, 'session connected', 100);
    await until(() => simulator.request('online', { label }), 30_000, 'device online');
    await simulator.request('settled', { label, timeoutMs: 30_000 });
    let seq = 0;
    const commands = async () => {
      if (!counting) return undefined;
      seq += 1;
      bridge.child.kill('SIGUSR2');
      let reading: { seq: number; counts: Record<string, number> } | undefined;
      await until(async () => {
        try {
          reading = JSON.parse(await readFile(commandsFile, 'utf8')) as typeof reading;
        } catch {
          reading = undefined; // not written yet
        }
        return (reading?.seq ?? 0) >= seq;
      }, 10_000, 'the command counts');
      return reading?.counts;
    };
    return { bridge, key, webhookSecret, commands, close };
  } catch (error) {
    const out = processes[0]?.output() ?? '';
    if (out) console.error(`bridge output (tail):\n${out.slice(-4000)}`);
    await close();
    throw error;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs `work(i)` for i = 0 … n-1 with `concurrency` calls in flight, each worker taking the next i. */
export async function inFlight(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** A benchmark's cleanup, whatever failed before it: the bridge stage, then the parts, newest first. */
export async function closeAll(stage: BridgeStage | undefined, parts: ChildPart[]): Promise<void> {
  await stage?.close().catch((e: unknown) => console.error('cleanup:', e));
  for (const part of [...parts].reverse()) {
    await part.request('stop').catch(() => undefined);
    await part.kill();
  }
}
