import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BaileysEventMap, WAMessage, WASocket } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import { BaileysClient } from './baileysClient.ts';
import { nextEvent } from './socketEvents.ts';
import { generateKeyPair } from '../../bridge/src/simulator/curveKeys.ts';


function upsertOf(id: string) {
  return (u: BaileysEventMap['messages.upsert']) => u.messages.some((m: WAMessage) => m.key.id === id);
}

describe('messages between Baileys and simulated contacts', () => {
  let simulator: WhatsAppSimulator;
  let client: BaileysClient;
  let socket: WASocket;
  let device: LinkedDevice;

  beforeEach(async () => {
    simulator = await WhatsAppSimulator.start();
    client = await BaileysClient.create();
    ({ socket, device } = await client.pair(simulator, simulator.createPhone('15550002222', 'Bob')));
  });

  afterEach(async () => {
    await client.dispose();
    await simulator.stop();
  });

  it('decrypts a contact\'s pkmsg, the same id again when it is redelivered, and msg once the session is answered', async () => {
    const contact = simulator.createContact('15557770001', 'Carol');
    expect(device.keys?.preKeys.size).toBeGreaterThan(0);

    const first = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.message?.conversation === 'hello from carol'));
    const firstId = await contact.sendText(device, 'hello from carol');
    const [received] = (await first).messages;
    expect(received.key).toMatchObject({ id: firstId, fromMe: false });
    expect(received.key.remoteJid).toBe(contact.jid);
    expect(received.pushName).toBe('Carol');

    const again = nextEvent(socket, 'messages.upsert', upsertOf(firstId));
    await contact.redeliver(firstId);
    expect((await again).messages[0].message?.conversation).toBe('hello from carol');

    // Until the other side answers, Signal keeps sending pre-key messages; after a reply, plain ones.
    const reply = await socket.sendMessage(contact.jid, { text: 'hi carol' });
    expect((await contact.waitForMessage((m) => m.id === reply?.key.id)).text).toBe('hi carol');
    const second = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.message?.conversation === 'second'));
    await contact.sendText(device, 'second');
    await second;
    expect(contact.delivered.map((d) => d.encType)).toEqual(['pkmsg', 'pkmsg', 'msg']);

    // Baileys acknowledges what it decrypted with a delivery receipt.
    await expect.poll(() => simulator.receiptsFrom(device).map((r) => r.id)).toContain(firstId);
  });

  it('sends to a contact, who decrypts it and answers with delivery then read receipts', async () => {
    const contact = simulator.createContact('15557770002', 'Dave');
    contact.autoDeliveryReceipts = false;
    const statuses: number[] = [];
    socket.ev.on('messages.update', (updates) => {
      for (const u of updates) if (typeof u.update.status === 'number') statuses.push(u.update.status);
    });
    // Baileys emits its own copy of a sent message shortly after sendMessage resolves; receipts
    // that arrive before that are folded into it, so the test waits for it first.
    const ownCopy = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.key.fromMe === true));

    const sent = await socket.sendMessage(contact.jid, { text: 'hi dave' });
    const id = sent?.key.id as string;
    const received = await contact.waitForMessage((m) => m.id === id);
    expect(received.text).toBe('hi dave');
    expect(received.from).toBe('15550002222:1@s.whatsapp.net');
    expect(received.encType).toBe('pkmsg');
    await ownCopy;

    await contact.sendReceipt(received, 'delivery');
    await expect.poll(() => statuses).toEqual([3]);
    await contact.sendReceipt(received, 'read');
    await expect.poll(() => statuses).toEqual([3, 4]);

    const reply = await socket.sendMessage(contact.jid, { text: 'second one' });
    const second = await contact.waitForMessage((m) => m.id === reply?.key.id);
    expect(second).toMatchObject({ text: 'second one', encType: 'pkmsg' });

    const answered = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.message?.conversation === 'got it'));
    await contact.sendText(device, 'got it');
    await answered;
    const third = await socket.sendMessage(contact.jid, { text: 'third' });
    expect(await contact.waitForMessage((m) => m.id === third?.key.id)).toMatchObject({ text: 'third', encType: 'msg' });
  });

  it('sends a message again on a fresh session when the device asks for a retry', async () => {
    const contact = simulator.createContact('15557770003', 'Erin');
    const first = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.message?.conversation === 'one'));
    await contact.sendText(device, 'one');
    await first;
    // The contact starts a new session with a one-time pre-key the device does not have (as when
    // the server handed out a stale bundle): Baileys cannot decrypt it and asks for a retry.
    contact.signal.forgetSession(device.phone.phoneNumber, device.deviceId);
    device.keys?.preKeys.clear();
    device.keys?.preKeys.set(999_999, generateKeyPair().public);
    const retried = nextEvent(socket, 'messages.upsert', (u) => u.messages.some((m) => m.message?.conversation === 'two'), 15_000);
    const id = await contact.sendText(device, 'two');
    await expect.poll(() => simulator.receiptsFrom(device).some((r) => r.id === id && r.type === 'retry'), { timeout: 10_000 }).toBe(true);
    expect((await retried).messages[0].key.id).toBe(id);
  });
});
