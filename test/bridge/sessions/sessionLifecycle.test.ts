import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';

describe('sessions API', () => {
  let t: TestBridge;
  let key: string;
  let orgId: string;

  beforeAll(async () => {
    t = await startTestBridge({ label: 'seslife' });
    ({ apiKey: key, id: orgId } = await t.createOrganization('acme'));
  });
  afterAll(async () => {
    await t?.close();
  });

  const authDocs = async (name: string) => {
    const doc = await t.state.models.Session.findOne({ organizationId: orgId, name }).lean();
    return doc ? await t.state.models.AuthState.countDocuments({ sessionId: doc._id }) : 0;
  };

  it('creates a session that starts and shows a QR, then connects when the phone scans it', async () => {
    const created = await t.request('POST', '/v1/sessions', { key, body: { name: 'main' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'main', desiredState: 'running', phoneNumber: null, reconnectAttempts: 0 });
    expect(['starting', 'connecting', 'qr_ready']).toContain(created.body.status);

    await waitForSession(t, key, 'main', hasStatus('qr_ready'));
    const qr = await t.request('GET', '/v1/sessions/main/qr', { key });
    expect(qr.status).toBe(200);
    expect(qr.body.qr).toMatch(/^2@/);
    expect(qr.body.dataUrl).toMatch(/^data:image\/png;base64,/);
    expect(Date.parse(qr.body.expiresAt) - Date.now()).toBeGreaterThan(50_000);

    const png = await fetch(`${t.url}/v1/sessions/main/qr?format=png`, { headers: { authorization: `Bearer ${key}` } });
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    const accept = await fetch(`${t.url}/v1/sessions/main/qr`, { headers: { authorization: `Bearer ${key}`, accept: 'image/png' } });
    expect(accept.headers.get('content-type')).toBe('image/png');

    t.whatsapp.latest('main')!.scanQr('4915112345678', 'Ada');
    const connected = await waitForSession(t, key, 'main', hasStatus('connected'));
    expect(connected).toMatchObject({ phoneNumber: '4915112345678', pushName: 'Ada', reconnectAttempts: 0, nextReconnectAt: null });
    expect(connected.lastConnectedAt).toBeTruthy();
    expect((await t.request('GET', '/v1/sessions/main/qr', { key })).body.error.code).toBe('qr_not_available');
    expect(await authDocs('main')).toBeGreaterThan(0);

    const list = await t.request('GET', '/v1/sessions', { key });
    expect(list.body.data.map((s: any) => s.name)).toEqual(['main']);

    const statuses = (await t.state.models.Event.find({ organizationId: orgId, type: 'session.status', session: 'main' }).sort({ _id: 1 }).lean()).map((e) => e.data.status);
    expect(statuses).toContain('qr_ready');
    expect(statuses.at(-1)).toBe('connected');
  });

  it('never writes the QR code to MongoDB', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'qr-check' } });
    await waitForSession(t, key, 'qr-check', hasStatus('qr_ready'));
    const { qr } = (await t.request('GET', '/v1/sessions/qr-check/qr', { key })).body;
    // A second QR rotation, as Baileys does every 20 s.
    const second = t.whatsapp.latest('qr-check')!.showQr();
    await until(async () => (await t.request('GET', '/v1/sessions/qr-check/qr', { key })).body.qr === second, 5_000, 'second QR');
    const fragments = [qr, second].flatMap((code: string) => code.split(','));
    for (const { name } of await t.state.mongo.db!.listCollections().toArray()) {
      const docs = await t.state.mongo.db!.collection(name).find({}).toArray();
      const dump = JSON.stringify(docs);
      for (const fragment of fragments) expect(dump.includes(fragment), `${name} contains a QR fragment`).toBe(false);
    }
  });

  it('rejects bad names, duplicates and unknown sessions with clear errors', async () => {
    expect((await t.request('POST', '/v1/sessions', { key, body: { name: 'Bad Name' } })).status).toBe(400);
    expect((await t.request('POST', '/v1/sessions', { key, body: { name: 'a'.repeat(65) } })).status).toBe(400);
    expect((await t.request('POST', '/v1/sessions', { key, body: {} })).status).toBe(400);
    const dup = await t.request('POST', '/v1/sessions', { key, body: { name: 'main' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('session_exists');
    const missing = await t.request('GET', '/v1/sessions/nope', { key });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('session_not_found');
    expect((await t.request('GET', '/v1/sessions/BAD!', { key })).status).toBe(400);
    expect((await t.request('POST', '/v1/sessions/nope/start', { key })).status).toBe(404);
    expect((await t.request('GET', '/v1/sessions', {})).status).toBe(401);
  });

  it('keeps organizations apart', async () => {
    const other = await t.createOrganization('other');
    expect((await t.request('GET', '/v1/sessions/main', { key: other.apiKey })).status).toBe(404);
    expect((await t.request('GET', '/v1/sessions', { key: other.apiKey })).body.data).toEqual([]);
    // The same name is free in another organization.
    expect((await t.request('POST', '/v1/sessions', { key: other.apiKey, body: { name: 'main', start: false } })).status).toBe(201);
  });

  it('stops and starts again without a new QR', async () => {
    const stopped = await t.request('POST', '/v1/sessions/main/stop', { key });
    expect(stopped.body).toMatchObject({ status: 'stopped', desiredState: 'stopped' });
    expect(t.whatsapp.live().filter((s) => s.label.endsWith('/main') && s.label.startsWith(orgId))).toHaveLength(0);
    const before = t.whatsapp.sockets.length;
    await t.request('POST', '/v1/sessions/main/start', { key });
    await waitForSession(t, key, 'main', hasStatus('connected'));
    const fresh = t.whatsapp.sockets.slice(before);
    expect(fresh).toHaveLength(1);
    expect(fresh[0].state).toBe('open');
  });

  it('restart replaces the socket', async () => {
    const old = t.whatsapp.latest(`${orgId}/main`)!;
    await t.request('POST', '/v1/sessions/main/restart', { key });
    await waitForSession(t, key, 'main', hasStatus('connected'));
    expect(old.ended).toBe(true);
    await until(() => old.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');
    expect(t.whatsapp.latest(`${orgId}/main`)).not.toBe(old);
  });

  it('a phone that removes the device logs the session out and leaves nothing behind', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'phone-off' } });
    await waitForSession(t, key, 'phone-off', hasStatus('qr_ready'));
    t.whatsapp.latest('phone-off')!.scanQr();
    await waitForSession(t, key, 'phone-off', hasStatus('connected'));
    const socket = t.whatsapp.latest('phone-off')!;
    const id = (await t.state.models.Session.findOne({ organizationId: orgId, name: 'phone-off' }).lean())!._id;
    expect(t.bridge.sessions.localSessions()).toContain(id);
    socket.close(DisconnectReason.loggedOut, 'Connection Failure');
    const session = await waitForSession(t, key, 'phone-off', hasStatus('logged_out'));
    expect(session).toMatchObject({ desiredState: 'stopped', lastDisconnectReason: 'logged_out', phoneNumber: null });
    expect(await authDocs('phone-off')).toBe(0);
    expect(t.bridge.sessions.localSessions()).not.toContain(id);
    await until(() => socket.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');
    // Starting again means pairing again: a QR, not the old account.
    await t.request('POST', '/v1/sessions/phone-off/start', { key });
    await waitForSession(t, key, 'phone-off', hasStatus('qr_ready'));
  });

  it('badSession fails the session and wipes its auth state; connectionReplaced stops it and keeps it', async () => {
    for (const name of ['bad', 'replaced']) {
      await t.request('POST', '/v1/sessions', { key, body: { name } });
      await waitForSession(t, key, name, hasStatus('qr_ready'));
      t.whatsapp.latest(name)!.scanQr();
      await waitForSession(t, key, name, hasStatus('connected'));
    }
    t.whatsapp.latest('bad')!.close(DisconnectReason.badSession, 'Bad MAC');
    expect(await waitForSession(t, key, 'bad', hasStatus('failed'))).toMatchObject({ lastDisconnectReason: 'bad_session', desiredState: 'stopped' });
    expect(await authDocs('bad')).toBe(0);

    t.whatsapp.latest('replaced')!.close(DisconnectReason.connectionReplaced, 'Connection Replaced');
    expect(await waitForSession(t, key, 'replaced', hasStatus('stopped'))).toMatchObject({ lastDisconnectReason: 'connection_replaced', desiredState: 'stopped' });
    expect(await authDocs('replaced')).toBeGreaterThan(0);
  });

  it('logout logs out on WhatsApp, wipes auth state and frees the socket', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'leaving' } });
    await waitForSession(t, key, 'leaving', hasStatus('qr_ready'));
    t.whatsapp.latest('leaving')!.scanQr();
    await waitForSession(t, key, 'leaving', hasStatus('connected'));
    const socket = t.whatsapp.latest('leaving')!;
    const res = await t.request('POST', '/v1/sessions/leaving/logout', { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'logged_out', desiredState: 'stopped' });
    expect(socket.ended).toBe(true);
    await until(() => socket.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');
    expect(await authDocs('leaving')).toBe(0);
  });

  it('deletes a session, and with ?purge=true its messages and contacts', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'gone' } });
    await waitForSession(t, key, 'gone', hasStatus('qr_ready'));
    t.whatsapp.latest('gone')!.scanQr();
    await waitForSession(t, key, 'gone', hasStatus('connected'));
    const db = t.state.mongo.db!;
    await db.collection('messages').insertMany([{ organizationId: orgId, session: 'gone', text: 'x' }, { organizationId: orgId, session: 'main', text: 'keep' }]);
    await db.collection('contacts').insertOne({ organizationId: orgId, session: 'gone', jid: 'a' });
    const id = (await t.state.models.Session.findOne({ organizationId: orgId, name: 'gone' }).lean())!._id;

    expect((await t.request('DELETE', '/v1/sessions/gone?purge=true', { key })).status).toBe(204);
    expect((await t.request('GET', '/v1/sessions/gone', { key })).status).toBe(404);
    expect(await t.state.models.AuthState.countDocuments({ sessionId: id })).toBe(0);
    expect(await db.collection('messages').countDocuments({ organizationId: orgId, session: 'gone' })).toBe(0);
    expect(await db.collection('messages').countDocuments({ organizationId: orgId, session: 'main' })).toBe(1);
    expect(await db.collection('contacts').countDocuments({ organizationId: orgId, session: 'gone' })).toBe(0);
    expect(t.bridge.sessions.localSessions()).not.toContain(id);
    expect(t.whatsapp.live().filter((s) => s.label === `${orgId}/gone`)).toHaveLength(0);
    expect((await t.request('DELETE', '/v1/sessions/gone', { key })).status).toBe(404);
  });

  it('creates a stopped session when asked to', async () => {
    const res = await t.request('POST', '/v1/sessions', { key, body: { name: 'later', start: false } });
    expect(res.body).toMatchObject({ status: 'stopped', desiredState: 'stopped' });
    expect(t.whatsapp.latest(`${orgId}/later`)).toBeUndefined();
  });
});
