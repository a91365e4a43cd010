import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { startTestBridge, uniqueName, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';

describe('sessions survive a bridge restart', () => {
  const dbName = uniqueName('restore');
  const env = { BRIDGE_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const bridges: TestBridge[] = [];
  const start = async () => {
    const t = await startTestBridge({ label: 'restore', dbName, env });
    bridges.push(t);
    return t;
  };
  afterAll(async () => {
    for (const t of bridges) await t.close().catch(() => undefined);
    const last = bridges.at(-1);
    if (last) {
      const again = await startTestBridge({ label: 'restore', dbName, env, noStart: true });
      await again.state.mongo.dropDatabase();
      await again.close();
    }
  });

  it('a new bridge on the same database restores connected sessions without a QR, and leaves stopped ones stopped', async () => {
    const first = await start();
    const { apiKey: key } = await first.createOrganization();
    for (const name of ['alpha', 'beta', 'idle']) {
      await first.request('POST', '/v1/sessions', { key, body: { name } });
      await waitForSession(first, key, name, hasStatus('qr_ready'));
      first.whatsapp.latest(name)!.scanQr(`1555000${name.length}${name.charCodeAt(0)}`, name);
      await waitForSession(first, key, name, hasStatus('connected'));
    }
    await first.request('POST', '/v1/sessions/idle/stop', { key });
    await first.close();
    expect(first.whatsapp.live()).toHaveLength(0);

    // close() does not log out: the user still wants these sessions running.
    const restartedAt = new Date();
    const second = await start();
    for (const name of ['alpha', 'beta']) {
      const socket = await second.whatsapp.waitFor(name, (s) => s.state === 'open', 5_000);
      const session = await waitForSession(second, key, name, hasStatus('connected'));
      expect(session.pushName).toBe(name);
      expect(socket.options.auth.creds.registered).toBe(true);
      expect((await second.request('GET', `/v1/sessions/${name}/qr`, { key })).status).toBe(404);
    }
    expect((await second.request('GET', '/v1/sessions/idle', { key })).body.status).toBe('stopped');
    expect(second.whatsapp.latest('idle')).toBeUndefined();
    // No QR was ever shown by the restored sockets.
    const qrEvents = await second.state.models.Event.countDocuments({ type: 'session.status', 'data.status': 'qr_ready', timestamp: { $gte: restartedAt } });
    expect(qrEvents).toBe(0);
  });

  it('a broken session (unreadable auth state) does not keep the others from starting', async () => {
    const t = bridges.at(-1)!;
    const key = (await t.createOrganization('second')).apiKey;
    for (const name of ['ok-1', 'broken', 'ok-2']) {
      await t.request('POST', '/v1/sessions', { key, body: { name } });
      await waitForSession(t, key, name, hasStatus('qr_ready'));
      t.whatsapp.latest(name)!.scanQr();
      await waitForSession(t, key, name, hasStatus('connected'));
    }
    await t.close();
    bridges.pop();
    // Corrupt the creds of one session (as a wrong key or tampering would).
    const next = await start();
    const broken = await next.state.models.Session.findOne({ name: 'broken' }).lean();
    await next.close();
    bridges.pop();
    const spy = await startTestBridge({ label: 'restore', dbName, env, noStart: true });
    await spy.state.models.AuthState.updateMany({ sessionId: broken!._id }, { $set: { value: 'v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    await spy.close();

    const after = await start();
    await after.whatsapp.waitFor('ok-1', (s) => s.state === 'open', 5_000);
    await after.whatsapp.waitFor('ok-2', (s) => s.state === 'open', 5_000);
    expect(after.whatsapp.latest('broken')).toBeUndefined();
    expect(await waitForSession(after, key, 'broken', hasStatus('failed'))).toMatchObject({ lastDisconnectReason: 'auth_state_unreadable', desiredState: 'running' });
    await until(() => !after.bridge.sessions.localSessions().includes(broken!._id), 5_000, 'broken session released');
  });

  it('reconnects with the backoff schedule and shows the attempts on the session', async () => {
    const t = await startTestBridge({
      label: 'backoff',
      bridgeOptions: { reconnect: { backoff: { baseMs: 200, capMs: 700 }, random: () => 0.999 } },
    });
    bridges.push(t);
    const { apiKey: key } = await t.createOrganization();
    await t.request('POST', '/v1/sessions', { key, body: { name: 'flaky' } });
    await waitForSession(t, key, 'flaky', hasStatus('qr_ready'));
    t.whatsapp.latest('flaky')!.scanQr();
    await waitForSession(t, key, 'flaky', hasStatus('connected'));

    const expected = [199, 399, 699, 699];
    for (const [i, delay] of expected.entries()) {
      const socket = t.whatsapp.latest('flaky')!;
      t.whatsapp.autoOpen = i < expected.length - 1 ? false : true;
      const closedAt = Date.now();
      socket.close(i % 2 ? DisconnectReason.connectionLost : DisconnectReason.connectionClosed);
      const session = await waitForSession(t, key, 'flaky', (s) => s.status === 'reconnecting' && s.reconnectAttempts === i + 1, 3_000);
      expect(session.lastDisconnectReason).toBe(i % 2 ? 'connection_lost' : 'connection_closed');
      expect(Date.parse(session.nextReconnectAt) - Date.parse(session.lastDisconnectedAt)).toBe(delay);
      const next = await t.whatsapp.waitFor('flaky', (s) => s !== socket, 5_000);
      const waited = Date.now() - closedAt;
      expect(waited).toBeGreaterThanOrEqual(delay - 5);
      expect(waited).toBeLessThan(delay + 500);
      if (i < expected.length - 1) {
        // Still failing: the phone is offline; the next socket never opens.
        await until(() => next.listenerCount() > 0, 2_000, 'listeners on the new socket');
      }
    }
    // The last socket opened: attempts reset.
    const recovered = await waitForSession(t, key, 'flaky', hasStatus('connected'));
    expect(recovered).toMatchObject({ reconnectAttempts: 0, nextReconnectAt: null });
    expect(t.whatsapp.live().filter((s) => s.label.endsWith('/flaky'))).toHaveLength(1);
  });

  it('restartRequired reconnects at once without counting an attempt; stop cancels a pending reconnect', async () => {
    // A backoff long enough that the stop request surely arrives before the reconnect is due.
    const t = await startTestBridge({ label: 'cancel', bridgeOptions: { reconnect: { backoff: { baseMs: 1_500, capMs: 1_500 }, random: () => 0.999 } } });
    bridges.push(t);
    const { apiKey: key } = await t.createOrganization('restart');
    await t.request('POST', '/v1/sessions', { key, body: { name: 'again' } });
    await waitForSession(t, key, 'again', hasStatus('qr_ready'));
    t.whatsapp.latest('again')!.scanQr();
    await waitForSession(t, key, 'again', hasStatus('connected'));
    const before = t.whatsapp.latest('again')!;
    before.close(DisconnectReason.restartRequired);
    const now = await t.whatsapp.waitFor('again', (s) => s !== before && s.state === 'open', 1_000);
    expect(now.state).toBe('open');
    expect((await waitForSession(t, key, 'again', hasStatus('connected'))).reconnectAttempts).toBe(0);

    t.whatsapp.autoOpen = false;
    now.close(DisconnectReason.connectionLost);
    await waitForSession(t, key, 'again', hasStatus('reconnecting'));
    const count = t.whatsapp.sockets.length;
    await t.request('POST', '/v1/sessions/again/stop', { key });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(t.whatsapp.sockets.length).toBe(count);
    expect((await t.request('GET', '/v1/sessions/again', { key })).body.status).toBe('stopped');
    t.whatsapp.autoOpen = true;
  });
});
