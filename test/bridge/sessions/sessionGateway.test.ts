import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';
import type { SessionContext, SocketEventSink } from '../../../bridge/src/sessions/sessionGateway.ts';
import { DomainError } from '../../../bridge/src/errors.ts';

describe('session gateway and socket sinks', () => {
  let t: TestBridge;
  let key: string;
  let orgId: string;
  const attached: SessionContext[] = [];
  let detached = 0;
  const upserts: string[] = [];
  const sink: SocketEventSink = {
    attach(context, socket) {
      attached.push(context);
      const onUpsert = (batch: { messages: Array<{ key: { id?: string | null } }> }) => {
        for (const m of batch.messages) upserts.push(`${context.sessionName}:${m.key.id}`);
      };
      socket.ev.on('messages.upsert', onUpsert);
      return () => {
        detached++;
        socket.ev.off('messages.upsert', onUpsert);
      };
    },
  };

  beforeAll(async () => {
    t = await startTestBridge({ label: 'gateway', bridgeOptions: { sinks: [sink] } });
    ({ apiKey: key, id: orgId } = await t.createOrganization());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('attaches sinks to every socket and detaches them when the socket goes away', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'shop' } });
    await waitForSession(t, key, 'shop', hasStatus('qr_ready'));
    expect(attached.at(-1)).toMatchObject({ organizationId: orgId, sessionName: 'shop' });
    expect(attached.at(-1)!.sessionId).toMatch(/^ses_/);
    const pairing = t.whatsapp.latest('shop')!;
    pairing.scanQr();
    await waitForSession(t, key, 'shop', hasStatus('connected'));
    // The pairing socket closed with restartRequired: its sink was detached, a new one attached.
    await until(() => detached === 1, 10_000, 'the pairing socket\'s sink detached');
    expect(attached).toHaveLength(2);
    await until(() => pairing.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');

    t.whatsapp.latest('shop')!.receive([{ key: { remoteJid: '1@s.whatsapp.net', id: 'IN1', fromMe: false }, message: { conversation: 'hi' } }]);
    expect(upserts).toEqual(['shop:IN1']);

    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^wab_sessions_owned 1$/m);
    expect(metrics).toMatch(/^wab_session_disconnects_total\{reason="restart_required",action="reconnect"\} 1$/m);

    await t.request('POST', '/v1/sessions/shop/stop', { key });
    expect(detached).toBe(2);
    expect(await fetch(`${t.url}/metrics`).then((r) => r.text())).toMatch(/^wab_sessions_owned 0$/m);
    await until(() => t.whatsapp.latest('shop')!.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');
  });

  it('sends through the live socket, and reports a clear error when it cannot', async () => {
    await t.request('POST', '/v1/sessions/shop/start', { key });
    await t.whatsapp.waitFor('shop', (s) => s.state === 'open');
    await waitForSession(t, key, 'shop', hasStatus('connected'));
    const sent = await t.bridge.sessions.sendMessage(orgId, 'shop', '4915100000002@s.whatsapp.net', { text: 'hello' });
    expect(sent.key.remoteJid).toBe('4915100000002@s.whatsapp.net');
    expect(t.whatsapp.latest('shop')!.sent.map((s) => s.content)).toEqual([{ text: 'hello' }]);

    await t.request('POST', '/v1/sessions/shop/stop', { key });
    const notConnected = await t.bridge.sessions.sendMessage(orgId, 'shop', 'x@s.whatsapp.net', { text: 'x' }).catch((e: unknown) => e);
    expect(notConnected).toBeInstanceOf(DomainError);
    expect(notConnected).toMatchObject({ kind: 'conflict', code: 'session_not_connected', details: { status: 'stopped' } });

    const unknown = await t.bridge.sessions.sendMessage(orgId, 'nope', 'x@s.whatsapp.net', { text: 'x' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: 'not_found', code: 'session_not_found' });
  });

  it('closing the bridge frees every socket, listener and timer but keeps the sessions running', async () => {
    await t.request('POST', '/v1/sessions/shop/start', { key });
    await t.request('POST', '/v1/sessions', { key, body: { name: 'second' } });
    await waitForSession(t, key, 'second', hasStatus('qr_ready'));
    await t.whatsapp.waitFor('shop', (s) => s.state === 'open');
    const sockets = t.whatsapp.live();
    expect(sockets.length).toBe(2);
    await t.bridge.sessions.close();
    expect(t.bridge.sessions.localSessions()).toEqual([]);
    for (const socket of sockets) {
      expect(socket.ended).toBe(true);
      await until(() => socket.listenerCount() === 0, 10_000, 'the ended socket has no listeners left');
    }
    const docs = await t.state.models.Session.find({ organizationId: orgId }).lean();
    expect(docs.map((d) => d.desiredState).sort()).toEqual(['running', 'running']);
  });
});
