import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../support/services.ts';
import { MongoClient } from 'mongodb';
import { MONGODB_URI, startTestBridge, testEnv, uniqueName, withDatabase } from '../../support/stack.ts';
import { healthRouter } from '../../../bridge/src/http/routes/health/router.ts';

const main = fileURLToPath(new URL('../../../bridge/src/main.ts', import.meta.url));

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, then refuses new connections', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const slow = new Router();
    slow.get('/slow', async (ctx) => {
      entered();
      await gate;
      ctx.body = { done: true };
    });
    const bridge = await startTestBridge({ label: 'shutdown', routers: (state) => [healthRouter(state), slow] });
    const inFlight = fetch(`${bridge.url}/slow`);
    await inside;
    const shutdown = bridge.running.shutdown(5_000);
    let shutDown = false;
    void shutdown.then(() => (shutDown = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(shutDown).toBe(false);
    await expect(fetch(`${bridge.url}/healthz`)).rejects.toThrow();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await shutdown;
    expect(shutDown).toBe(true);
    await bridge.close();
  });

  it('the process exits 0 on SIGTERM within the bound', async () => {
    const port = await freePort();
    const dbName = uniqueName('sig');
    const env = { PATH: process.env.PATH, ...testEnv({ PORT: String(port), REDIS_KEY_PREFIX: uniqueName('sig'), MONGODB_URI: withDatabase(MONGODB_URI, dbName), LOG_LEVEL: 'info' }) };
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const until = Date.now() + 20_000;
    while (!out.includes('bridge listening') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('bridge listening');
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const started = Date.now();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const line of out.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const client = new MongoClient(MONGODB_URI);
    await client.db(dbName).dropDatabase().finally(() => client.close());
  });
});
