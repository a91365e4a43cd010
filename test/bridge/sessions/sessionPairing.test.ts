import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../../support/stack.ts';
import { hasStatus, waitForSession } from '../../support/sessionWaits.ts';
import { pairingLinks } from '../../../bridge/src/sessions/pairingLinks.ts';

/** Reads Server-Sent Events from a fetch response until `stop` says enough. */
async function readEvents(res: Response, stop: (events: Array<{ event: string; data: any }>) => boolean, timeoutMs = 5_000) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: any }> = [];
  let buffer = '';
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
  return events;
}

describe('pairing', () => {
  let t: TestBridge;
  let key: string;

  beforeAll(async () => {
    t = await startTestBridge({ label: 'pairing', env: { PUBLIC_URL: 'https://bridge.example.com/' } });
    key = (await t.createOrganization()).apiKey;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('streams status changes and new QR codes over SSE', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'live', start: false } });
    const res = await fetch(`${t.url}/v1/sessions/live/events`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readEvents(res, (events) => events.some((e) => e.event === 'status' && e.data.status === 'connected'));
    await new Promise((r) => setTimeout(r, 100));
    await t.request('POST', '/v1/sessions/live/start', { key });
    await waitForSession(t, key, 'live', hasStatus('qr_ready'));
    t.whatsapp.latest('live')!.scanQr('4915100000001', 'Grace');
    const events = await reading;
    expect(events[0]).toMatchObject({ event: 'status', data: { name: 'live', status: 'stopped' } });
    const qr = events.find((e) => e.event === 'qr')!;
    expect(qr.data.qr).toMatch(/^2@/);
    expect(qr.data.dataUrl).toMatch(/^data:image\/png;base64,/);
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.status);
    expect(statuses).toContain('qr_ready');
    expect(events.at(-1)!.data).toMatchObject({ status: 'connected', phoneNumber: '4915100000001', pushName: 'Grace' });
  });

  it('requests a pairing code for a phone number, and refuses one for a paired session', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'by-phone' } });
    await waitForSession(t, key, 'by-phone', hasStatus('qr_ready'));
    const res = await t.request('POST', '/v1/sessions/by-phone/pairing-code', { key, body: { phoneNumber: '+49 151 2345-678' } });
    expect(res.status).toBe(200);
    expect(res.body.code).toMatch(/^[A-Z0-9]{8}$/);
    expect(t.whatsapp.latest('by-phone')!.pairingCodes).toEqual([res.body.code]);

    const bad = await t.request('POST', '/v1/sessions/by-phone/pairing-code', { key, body: { phoneNumber: 'call me' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await t.request('POST', '/v1/sessions/by-phone/pairing-code', { key, body: {} })).status).toBe(400);

    const paired = await t.request('POST', '/v1/sessions/live/pairing-code', { key, body: { phoneNumber: '4915100000001' } });
    expect(paired.status).toBe(409);
    expect(paired.body.error.code).toBe('session_already_paired');

    await t.request('POST', '/v1/sessions', { key, body: { name: 'off', start: false } });
    const off = await t.request('POST', '/v1/sessions/off/pairing-code', { key, body: { phoneNumber: '4915100000001' } });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('session_not_running');
  });

  it('issues a signed, expiring pairing link whose page shows the live QR, then the connected state', async () => {
    await t.request('POST', '/v1/sessions', { key, body: { name: 'operator' } });
    await waitForSession(t, key, 'operator', hasStatus('qr_ready'));
    const link = await t.request('POST', '/v1/sessions/operator/pairing-link', { key, body: {} });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/^https:\/\/bridge\.example\.com\/pair\/[\w-]+\.[\w-]+$/);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const path = new URL(link.body.url).pathname;

    const page = await fetch(`${t.url}${path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('operator');
    // Self-contained: no external scripts, styles or images.
    expect(html).not.toMatch(/<(script|img|link)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain(`/events`);

    const stream = await fetch(`${t.url}${path}/events`);
    expect(stream.status).toBe(200);
    const reading = readEvents(stream, (events) => events.some((e) => e.data.status === 'connected'));
    await new Promise((r) => setTimeout(r, 100));
    t.whatsapp.latest('operator')!.scanQr();
    const events = await reading;
    expect(events.find((e) => e.event === 'qr')?.data.dataUrl).toMatch(/^data:image\/png/);
    expect(events.at(-1)!.data.status).toBe('connected');
  });

  it('refuses tampered, foreign and expired links', async () => {
    const link = (await t.request('POST', '/v1/sessions/operator/pairing-link', { key, body: { expiresIn: 60 } })).body;
    const token = new URL(link.url).pathname.split('/').at(-1)!;
    const [payload, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ s: 'ses_other', e: Date.now() + 60_000 })).toString('base64url')}.${signature}`;
    for (const bad of [`${payload}.${signature.slice(0, -2)}AA`, forged, 'nonsense', `${token}.x`]) {
      const res = await fetch(`${t.url}/pair/${bad}`);
      expect(res.status).toBe(404);
      expect((await fetch(`${t.url}/pair/${bad}/events`)).status).toBe(404);
    }
    // Signed with this bridge's key but already expired.
    const expired = pairingLinks(t.config.encryptionKey, t.config.publicUrl).issue('ses_x', -1);
    expect((await fetch(`${t.url}/pair/${expired.token}`)).status).toBe(404);
    // Another bridge's key does not verify here.
    const foreign = pairingLinks(Buffer.alloc(32, 1), t.config.publicUrl).issue('ses_x', 60_000);
    expect((await fetch(`${t.url}/pair/${foreign.token}`)).status).toBe(404);
    expect((await t.request('POST', '/v1/sessions/operator/pairing-link', { key, body: { expiresIn: 5 } })).status).toBe(400);
  });
});
