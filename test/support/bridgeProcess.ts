import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort } from './services.ts';
import { ADMIN_KEY, MONGODB_URI, REDIS_URL, deleteRedisKeys, withDatabase } from './stack.ts';
import { CONFORMANCE_ENABLED, recordMismatchLines } from './openapiConformance.ts';

const MAIN = fileURLToPath(new URL('./fakeBridgeMain.ts', import.meta.url));
/** The bridge with the real Baileys (baileysBridgeMain.ts): set WA_WEBSOCKET_URL to a simulator. */
export const BAILEYS_MAIN = fileURLToPath(new URL('./baileysBridgeMain.ts', import.meta.url));

/** A real bridge in a process of its own, with the fake WhatsApp (fakeBridgeMain.ts). */
export interface BridgeProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Everything the process printed (its JSON log lines included). */
  output(): string;
  call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>;
  /** The process's fake WhatsApp: the sessions it owns and their sockets. */
  fakeState(): Promise<{ instanceId: string; owned: string[]; sockets: Array<{ label: string; state: string; pairingCodes: string[]; sent: Array<{ jid: string; content: unknown }> }> }>;
}

export interface Deployment {
  dbName: string;
  prefix: string;
  encryptionKey: string;
}

/**
 * Starts one bridge process of a deployment (database, Redis prefix, encryption key shared by its
 * processes): with the fake WhatsApp by default, with the real Baileys when `main` is BAILEYS_MAIN.
 */
export async function launchBridge(deployment: Deployment, name: string, env: Record<string, string> = {}, main = MAIN): Promise<BridgeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      MONGODB_URI: withDatabase(MONGODB_URI, deployment.dbName),
      REDIS_URL,
      REDIS_KEY_PREFIX: deployment.prefix,
      BRIDGE_ENCRYPTION_KEY: deployment.encryptionKey,
      BRIDGE_ADMIN_KEY: ADMIN_KEY,
      INSTANCE_ID: name,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_NO_WARNINGS: '1',
      // serveBridge prints responses that contradict the OpenAPI document; they fail the test here.
      ...(CONFORMANCE_ENABLED ? { OPENAPI_CONFORMANCE: 'report' } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    recordMismatchLines(lines.join('\n'));
  });
  child.stderr!.on('data', (d: Buffer) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.includes('"ready":true')) return resolve();
      if (child.exitCode !== null) return reject(new Error(`${name} exited: ${out}`));
      setTimeout(check, 50);
    };
    check();
  });
  const url = `http://127.0.0.1:${port}`;
  const call: BridgeProcess['call'] = async (method, path, body, key) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text || undefined };
  };
  return { name, url, child, output: () => out, call, fakeState: async () => (await call('GET', '/__fake/state')).body };
}

/** Stops the processes (SIGKILL) and removes the deployment's database and Redis keys. */
export async function removeDeployment(deployment: Deployment, processes: BridgeProcess[]): Promise<void> {
  await Promise.all(
    processes.map((p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return undefined;
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGKILL');
      return exited;
    }),
  );
  const client = new MongoClient(MONGODB_URI);
  await client.db(deployment.dbName).dropDatabase().catch(() => undefined);
  await client.close();
  await deleteRedisKeys(REDIS_URL, deployment.prefix);
}
