import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, waitForSession } from '../../support/sessionWaits.ts';
import { pairingLinks } from '../../../bridge/src/sessions/pairingLinks.ts';

/**
 * What a pairing link may do besides showing the page (POST /pair/:token/restart and
 * /pair/:token/pairing-code): only for its session, only while that session is unpaired, and
 * bad input changes nothing. The page itself is tested in Chromium (test/browser/).
 */
describe('pairing link actions', () => {
  let t: TestBridge;
  let key: string;

  beforeAll(async () => {
    t = await startTestBridge({ label: 'pairlinkact' });
    key = (await t.createOrganization()).apiKey;
  });
  afterAll(async () => {
    await t?.close();
  });

  const pathOf = (url: string) => new URL(url).pathname;
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) => t.request('POST', path, { body, headers });
  async function linkFor(name: string): Promise<string> {
    const res = await t.request('POST', `/v1/sessions/${name}/pairing-link`, { key, body: {} });
    expect(res.status).toBe(200);
    return pathOf(res.body.url);
  }
  async function runOutOfCodes(name: string): Promise<void> {
    await waitForSession(t, key, name, hasStatus('qr_ready'));
    // Baileys' end of the QR refs: timedOut on a socket that showed codes.
    t.whatsapp.latest(name)!.close(DisconnectReason.timedOut, 'QR refs attempts ended');
    await waitForSession(t, key, name, (s) => s.status === 'stopped' && s.lastDisconnectReason === 'qr_timeout');
  }

  it('gets a fresh code after the codes ran out, and a pairing code by phone number', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'fresh' } });
    const link = await linkFor('fresh');
    await runOutOfCodes('fresh');

    const notRunning = await post(`${link}/pairing-code`, { phoneNumber: '4915123456789' });
    expect(notRunning.status).toBe(409);
    expect(notRunning.body.error).toMatchObject({ code: 'session_not_running', message: expect.any(String) });

    // Bad input: 4xx, and the session stays as it was.
    const extra = await post(`${link}/restart`, { force: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('validation_failed');
    expect((await post(`${link}/restart`, 'go', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(`${link}/restart`, '{"broken', { 'content-type': 'application/json' })).status).toBe(400);
    expect(await waitForSession(t, key, 'fresh', () => true)).toMatchObject({ status: 'stopped', desiredState: 'stopped' });

    const restarted = await post(`${link}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ name: 'fresh', restarted: true });
    expect(['starting', 'connecting', 'qr_ready']).toContain(restarted.body.status);
    expect(await waitForSession(t, key, 'fresh', hasStatus('qr_ready'))).toMatchObject({ desiredState: 'running' });
    const qr = await t.request('GET', '/v1/sessions/fresh/qr', { key });
    expect(Date.parse(qr.body.expiresAt) - Date.now()).toBeGreaterThan(50_000); // the first code of a socket lives 60 s

    // Pressed again while a code shows: nothing to do.
    const again = await post(`${link}/restart`, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ name: 'fresh', status: 'qr_ready', restarted: false });

    for (const bad of [{ phoneNumber: 'call me' }, {}, { phoneNumber: '4915123456789', extra: 1 }, { phoneNumber: 4915123456789 }]) {
      const res = await post(`${link}/pairing-code`, bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(t.whatsapp.latest('fresh')!.pairingCodes).toEqual([]);
    const code = await post(`${link}/pairing-code`, { phoneNumber: '+49 151 2345-6789' });
    expect(code.status).toBe(200);
    expect(code.body).toEqual({ code: expect.stringMatching(/^[A-Z0-9]{8}$/) });
    expect(t.whatsapp.latest('fresh')!.pairingCodes).toEqual([code.body.code]);
  });

  it('drops a pairing code that was never typed when the codes run out, so a fresh code starts over', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'untyped' } });
    const link = await linkFor('untyped');
    await waitForSession(t, key, 'untyped', hasStatus('qr_ready'));
    expect((await post(`${link}/pairing-code`, { phoneNumber: '4915123400000' })).status).toBe(200);
    // What Baileys does on the request: `me` becomes the number, the code is pending, registered stays false.
    const socket = t.whatsapp.latest('untyped')!;
    const me = { id: '4915123400000@s.whatsapp.net', name: '~' };
    Object.assign(socket.options.auth.creds, { me, pairingCode: 'ABCD1234' });
    socket.emit('creds.update', { me, pairingCode: 'ABCD1234' });
    socket.close(DisconnectReason.timedOut, 'QR refs attempts ended');
    // Not a reconnect that would log in as that number (and be logged out): the codes ran out.
    await waitForSession(t, key, 'untyped', (s) => s.status === 'stopped' && s.lastDisconnectReason === 'qr_timeout');
    expect((await post(`${link}/restart`)).body.restarted).toBe(true);
    await waitForSession(t, key, 'untyped', hasStatus('qr_ready'));
    const next = t.whatsapp.latest('untyped')!;
    expect(next).not.toBe(socket);
    expect(next.options.auth.creds.me).toBeUndefined();
    expect(next.options.auth.creds.registered).toBe(false);
  });

  it('refuses once the session is paired, and a link that paired it after a logout', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'paired' } });
    const link = await linkFor('paired');
    await waitForSession(t, key, 'paired', hasStatus('qr_ready'));
    t.whatsapp.latest('paired')!.scanQr('4915100000009', 'Ada');
    await waitForSession(t, key, 'paired', hasStatus('connected'));
    for (const [path, body] of [[`${link}/restart`, {}], [`${link}/pairing-code`, { phoneNumber: '4915100000009' }]] as const) {
      const res = await post(path, body);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'session_already_paired', message: expect.stringMatching(/already linked/) });
    }

    expect((await t.request('POST', '/v1/sessions/paired/logout', { key })).status).toBe(200);
    await waitForSession(t, key, 'paired', hasStatus('logged_out'));
    const used = await post(`${link}/restart`);
    expect(used.status).toBe(409);
    expect(used.body.error.code).toBe('pairing_link_used');
    expect(await waitForSession(t, key, 'paired', () => true)).toMatchObject({ status: 'logged_out', desiredState: 'stopped' });
    // A link issued after the logout pairs it anew.
    const fresh = await post(`${await linkFor('paired')}/restart`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.restarted).toBe(true);
    await waitForSession(t, key, 'paired', hasStatus('qr_ready'));
  });

  it('refuses invalid, expired and deleted-session links with 404 in the error shape', async () => {
    const expired = pairingLinks(t.config.encryptionKey, t.config.publicUrl).issue('ses_x', -1);
    const orphan = pairingLinks(t.config.encryptionKey, t.config.publicUrl).issue('ses_gone', 60_000);
    for (const token of ['nonsense', expired.token, orphan.token]) {
      for (const [action, body] of [['restart', {}], ['pairing-code', { phoneNumber: '4915123456789' }]] as const) {
        const res = await post(`/pair/${token}/${action}`, body);
        expect(res.status).toBe(404);
        expect(res.body.error).toMatchObject({ code: 'pairing_link_invalid', message: expect.any(String) });
      }
    }
    // The token is checked before the body.
    expect((await post('/pair/nonsense/pairing-code', { phoneNumber: 'x' })).status).toBe(404);
  });

  it('serves the page with a nonce CSP, a fresh-code button, a countdown and the phone form', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'page', start: false } });
    const res = await fetch(`${t.url}${await linkFor('page')}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toMatch(/<button id="fresh-code"/);
    expect(html).toMatch(/id="countdown"/);
    expect(html).toMatch(/<label for="phone">/);
    expect(html).not.toMatch(/<(script|img|link)[^>]+(src|href)=/i);
    const invalid = await fetch(`${t.url}/pair/nonsense`);
    expect(invalid.status).toBe(404);
    expect(await invalid.text()).toContain('Pairing link not usable');
  });
});
