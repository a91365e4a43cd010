import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';
import { redisSessionLeases } from '../../../bridge/src/sessions/sessionLease.ts';

describe('fencing: a stale owner cannot write', () => {
  let t: TestBridge;
  let key: string;

  beforeAll(async () => {
    t = await startTestBridge({ label: 'fencing' });
    key = (await t.createOrganization()).apiKey;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leases are exclusive, renew only for their holder, and every new holder gets a larger token', async () => {
    const one = redisSessionLeases(t.state.redis, t.state.keyPrefix, 'one', 1_000);
    const two = redisSessionLeases(t.state.redis, t.state.keyPrefix, 'two', 1_000);
    const first = (await one.acquire('ses_lease'))!;
    expect(first.token).toBeGreaterThan(0);
    expect(await two.acquire('ses_lease')).toBeNull();
    expect(await two.renew({ ...first, value: `two:${first.token}` })).toBe(false);
    expect(await one.renew(first)).toBe(true);
    expect(await one.owner('ses_lease')).toEqual({ instanceId: 'one', token: first.token });
    await two.release({ ...first, value: `two:${first.token}` });
    expect(await one.holds(first)).toBe(true);
    await one.release(first);
    const second = (await two.acquire('ses_lease'))!;
    expect(second.token).toBe(first.token + 1);
    await two.release(second);
    // A counter lost with Redis' data still hands out tokens above what the session document saw.
    await t.state.redis.del(`${t.state.keyPrefix}:fence:ses_lease`);
    expect((await one.acquire('ses_lease', 41))!.token).toBe(42);
  });

  it('an owner that lost its lease stops writing status and auth state, and lets the socket go', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'fenced' } });
    await waitForSession(t, key, 'fenced', hasStatus('qr_ready'));
    t.whatsapp.latest('fenced')!.scanQr();
    await waitForSession(t, key, 'fenced', hasStatus('connected'));
    const doc = (await t.state.models.Session.findOne({ name: 'fenced' }).lean())!;
    const socket = t.whatsapp.latest('fenced')!;
    const authBefore = await t.state.models.AuthState.find({ sessionId: doc._id }).lean();

    // Another instance takes over: new lease holder, larger token on the document.
    await t.state.redis.del(`${t.state.keyPrefix}:lease:${doc._id}`);
    const usurper = redisSessionLeases(t.state.redis, t.state.keyPrefix, 'usurper', 60_000);
    const lease = (await usurper.acquire(doc._id, doc.fencingToken))!;
    await t.state.models.Session.updateOne({ _id: doc._id }, { $set: { fencingToken: lease.token, owner: 'usurper' } });

    // The stale owner's socket keeps producing events; none of them may land.
    await expect(socket.options.auth.keys.set({ session: { stale: Buffer.from('x') } })).rejects.toThrow(/no longer owns/);
    socket.close(DisconnectReason.connectionLost);
    await until(() => !t.bridge.sessions.localSessions().includes(doc._id), 5_000, 'stale owner let go');
    const after = (await t.state.models.Session.findById(doc._id).lean())!;
    expect(after.status).toBe('connected');
    expect(after.reconnectAttempts).toBe(0);
    expect(await t.state.models.AuthState.countDocuments({ sessionId: doc._id, keyId: 'stale' })).toBe(0);
    expect(await t.state.models.AuthState.countDocuments({ sessionId: doc._id })).toBe(authBefore.length);
    expect(t.whatsapp.live().filter((s) => s.label.endsWith('/fenced'))).toHaveLength(0);
    await usurper.release(lease);
  });
});
