import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, uniqueName } from '../../support/stack.ts';
import { launchBridge, removeDeployment, type BridgeProcess } from '../../support/bridgeProcess.ts';
import { until } from '../../support/sessionWaits.ts';

const LEASE_MS = 1_500;
const RENEW_MS = LEASE_MS / 3;

describe('one owner per session across bridge processes', () => {
  const deployment = { dbName: uniqueName('failover'), prefix: uniqueName('failover'), encryptionKey: randomBytes(32).toString('base64') };
  const instances: BridgeProcess[] = [];

  async function launch(name: string, extraEnv: Record<string, string> = {}): Promise<BridgeProcess> {
    const instance = await launchBridge(deployment, name, { SESSION_LEASE_MS: String(LEASE_MS), ...extraEnv });
    instances.push(instance);
    return instance;
  }

  const call = (instance: BridgeProcess, method: string, path: string, body?: unknown, key?: string) => instance.call(method, path, body, key);
  const fakeState = (instance: BridgeProcess) => instance.fakeState();
  const openOn = async (instance: BridgeProcess) => (await fakeState(instance)).sockets.filter((s) => s.state === 'open').map((s) => s.label.split('/')[1]).sort();

  beforeAll(async () => {
    await Promise.all([launch('bridge-a'), launch('bridge-b')]);
  });

  afterAll(async () => {
    await removeDeployment(deployment, instances);
  });

  it('routes live-socket calls to the owner, never runs a session twice, and fails over after SIGKILL within the lease bound', async () => {
    const [a, b] = instances;
    const org = await call(a, 'POST', '/v1/admin/organizations', { name: 'acme' }, ADMIN_KEY);
    const key = org.body.apiKey as string;
    const names = ['s1', 's2', 's3', 's4'];
    for (const name of names) {
      expect((await call(a, 'POST', '/v1/sessions', { name }, key)).status).toBe(201);
      await until(async () => (await call(a, 'GET', `/v1/sessions/${name}`, undefined, key)).body.status === 'qr_ready', 5_000, `${name} qr`);
      await call(a, 'POST', `/__fake/scan/${name}`);
    }
    await until(async () => (await openOn(a)).length === names.length, 10_000, 'all open on a');
    expect(await openOn(b)).toEqual([]);

    // B reaches A's socket: send through the gateway on B, delivered by A.
    const sent = await call(b, 'POST', `/__fake/send/${org.body.id}/s1`, { jid: '4915100000003@s.whatsapp.net', text: 'via b' });
    expect(sent.status).toBe(200);
    expect((await fakeState(a)).sockets.find((s) => s.label.endsWith('/s1') && s.state === 'open')!.sent).toEqual([{ jid: '4915100000003@s.whatsapp.net', content: { text: 'via b' } }]);

    // A session started on B is owned by B; a pairing code asked on A comes from B's socket.
    await call(b, 'POST', '/v1/sessions', { name: 'on-b' }, key);
    await until(async () => (await call(a, 'GET', '/v1/sessions/on-b', undefined, key)).body.status === 'qr_ready', 5_000, 'on-b qr');
    const code = await call(a, 'POST', '/v1/sessions/on-b/pairing-code', { phoneNumber: '4915100000004' }, key);
    expect(code.status).toBe(200);
    expect((await fakeState(b)).sockets.find((s) => s.label.endsWith('/on-b'))!.pairingCodes).toEqual([code.body.code]);
    // The QR is served by either instance (it lives in Redis).
    expect((await call(a, 'GET', '/v1/sessions/on-b/qr', undefined, key)).status).toBe(200);

    // Through a few renewal periods nothing moves and nothing runs twice.
    for (let i = 0; i < 6; i++) {
      const [onA, onB] = await Promise.all([openOn(a), openOn(b)]);
      expect(onA.filter((n) => onB.includes(n))).toEqual([]);
      expect(onA).toEqual(names);
      await new Promise((r) => setTimeout(r, RENEW_MS));
    }

    // Kill A without a chance to clean up.
    const killedAt = Date.now();
    const exited = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGKILL');
    await exited;
    // Until the lease expires, calls that need A's socket fail fast and say why.
    const orphan = await call(b, 'POST', '/v1/sessions/s3/restart', undefined, key);
    expect(orphan.status).toBe(503);
    expect(orphan.body.error.code).toBe('session_owner_unavailable');
    await until(async () => (await openOn(b)).filter((n) => names.includes(n)).length === names.length, 10_000, 'all taken over by b');
    const failoverMs = Date.now() - killedAt;
    console.log(`failover of ${names.length} sessions after SIGKILL: ${failoverMs} ms (lease ${LEASE_MS} ms, renewal every ${RENEW_MS} ms)`);
    expect(failoverMs).toBeLessThan(LEASE_MS + RENEW_MS + 1_000);

    // Taken over with the stored creds: connected, no QR, and the status says so.
    for (const name of names) {
      await until(async () => (await call(b, 'GET', `/v1/sessions/${name}`, undefined, key)).body.status === 'connected', 5_000, `${name} connected on b`);
      expect((await call(b, 'GET', `/v1/sessions/${name}/qr`, undefined, key)).status).toBe(404);
    }
    const sentOnB = await call(b, 'POST', `/__fake/send/${org.body.id}/s2`, { jid: '4915100000005@s.whatsapp.net', text: 'after failover' });
    expect(sentOnB.status).toBe(200);
  });

  it('a third instance started later takes unowned sessions only, up to MAX_SESSIONS_PER_INSTANCE', async () => {
    const c = await launch('bridge-c', { MAX_SESSIONS_PER_INSTANCE: '3' });
    const [, b] = instances;
    await new Promise((r) => setTimeout(r, LEASE_MS));
    const [onB, onC] = await Promise.all([openOn(b), openOn(c)]);
    expect(onC).toEqual([]);
    expect(onB.sort()).toEqual(['s1', 's2', 's3', 's4']);
    // B shuts down gracefully: it releases its leases, so C takes over at once, without waiting for expiry.
    const stoppedAt = Date.now();
    b.child.kill('SIGTERM');
    // Five running sessions (s1–s4 and on-b); C may own three.
    await until(async () => (await fakeState(c)).owned.length === 3, 10_000, 'c took over');
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS + RENEW_MS + 2_000);
    await new Promise((r) => setTimeout(r, 2 * RENEW_MS));
    expect((await fakeState(c)).owned).toHaveLength(3);
    // The rest wait for an instance with room.
    const d = await launch('bridge-d');
    await until(async () => (await fakeState(d)).owned.length === 2, 5_000, 'd took the rest');
    await until(async () => {
      const [onC2, onD] = await Promise.all([openOn(c), openOn(d)]);
      return JSON.stringify([...onC2, ...onD].sort()) === JSON.stringify(['s1', 's2', 's3', 's4']);
    }, 5_000, 's1–s4 open on c and d');
  });
});
