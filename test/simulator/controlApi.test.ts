import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DisconnectReason, type BaileysEventMap } from '@whiskeysockets/baileys';
import type { Boom } from '@hapi/boom';
import { startSandboxSimulator, type SandboxSimulator } from '../../bridge/src/simulator/sandboxSimulator.ts';
import { BaileysClient } from './baileysClient.ts';

describe('the sandbox control API', () => {
  let sandbox: SandboxSimulator;
  let client: BaileysClient;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${sandbox.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  beforeEach(async () => {
    sandbox = await startSandboxSimulator({ port: 0 });
    client = await BaileysClient.create();
  });

  afterEach(async () => {
    await client.dispose();
    await sandbox.stop();
  });

  it('pairs by scanning, sends as a contact, shows what the contact received, marks it read, logs out', async () => {
    await client.connect(sandbox.webSocketUrl);
    const { qr } = await client.next((u) => typeof u.qr === 'string');
    const restarted = client.next((u) => u.connection === 'close');
    const scanned = await call('POST', '/scan', { qr, phoneNumber: '15550009999' });
    expect(scanned.status).toBe(201);
    expect(scanned.headers.get('x-whatsapp-sandbox')).toBe('true');
    const deviceJid = scanned.body.device.jid as string;
    expect(deviceJid).toBe('15550009999:1@s.whatsapp.net');
    await restarted;
    const socket = await client.connect(sandbox.webSocketUrl);
    await client.next((u) => u.connection === 'open');
    expect((await call('GET', '')).body.devices).toEqual([{ jid: deviceJid, phoneNumber: '15550009999', deviceId: 1, online: true }]);

    const upsert = new Promise<BaileysEventMap['messages.upsert']>((resolve) => {
      socket.ev.on('messages.upsert', (u) => {
        if (u.messages.some((m) => m.message?.conversation === 'ping from the sandbox')) resolve(u);
      });
    });
    const sent = await call('POST', '/messages', { from: '15557001234', to: deviceJid, text: 'ping from the sandbox' });
    expect(sent.status).toBe(201);
    expect((await upsert).messages[0].key).toMatchObject({ id: sent.body.id, remoteJid: '15557001234@s.whatsapp.net' });

    const statuses: number[] = [];
    socket.ev.on('messages.update', (updates) => {
      for (const u of updates) if (typeof u.update.status === 'number') statuses.push(u.update.status);
    });
    const ownCopy = new Promise<void>((resolve) => {
      socket.ev.on('messages.upsert', (u) => {
        if (u.messages.some((m) => m.key.fromMe)) resolve();
      });
    });
    const reply = await socket.sendMessage('15557001234@s.whatsapp.net', { text: 'pong' });
    await ownCopy;
    await expect.poll(async () => (await call('GET', '/contacts/15557001234/messages')).body.data).toEqual([
      expect.objectContaining({ id: reply?.key.id, text: 'pong', from: deviceJid }),
    ]);
    await expect.poll(() => statuses).toContain(3);
    expect((await call('POST', '/receipts', { from: '15557001234', id: reply?.key.id, type: 'read' })).status).toBe(200);
    await expect.poll(() => statuses).toContain(4);

    const closed = client.next((u) => u.connection === 'close');
    expect((await call('POST', `/devices/${encodeURIComponent(deviceJid)}/logout`)).status).toBe(200);
    const { lastDisconnect } = await closed;
    expect((lastDisconnect?.error as Boom).output.statusCode).toBe(DisconnectReason.loggedOut);
  });

  it('answers bad input with the error shape, never a 5xx', async () => {
    const invalid = await call('POST', '/messages', { from: '+1 555', to: 'x', text: '' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('validation_failed');
    const notJson = await fetch(`${sandbox.controlUrl}/scan`, { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    expect((await call('POST', '/scan', { qr: 'https://wa.me/settings/linked_devices#nothing,here,at,all' })).status).toBe(404);
    expect((await call('POST', '/messages', { from: '15557001234', to: '15550000001', text: 'hi' })).body.error.code).toBe('device_not_found');
    expect((await call('GET', '/nowhere')).status).toBe(404);
  });
});
