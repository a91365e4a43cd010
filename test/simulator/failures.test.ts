import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DisconnectReason, type WASocket } from '@whiskeysockets/baileys';
import type { Boom } from '@hapi/boom';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import { BaileysClient } from './baileysClient.ts';

function statusOf(update: { lastDisconnect?: { error?: Error } }): number | undefined {
  return (update.lastDisconnect?.error as Boom | undefined)?.output?.statusCode;
}

describe('the simulator ending a session', () => {
  let simulator: WhatsAppSimulator;
  let client: BaileysClient;
  let device: LinkedDevice;
  let socket: WASocket;

  beforeEach(async () => {
    simulator = await WhatsAppSimulator.start();
    client = await BaileysClient.create();
    ({ device, socket } = await client.pair(simulator, simulator.createPhone()));
  });

  afterEach(async () => {
    await client.dispose();
    await simulator.stop();
  });

  it('logs the device out from the phone (failure 401): Baileys reports loggedOut and cannot log in again', async () => {
    const closed = client.next((u) => u.connection === 'close');
    await simulator.logOut(device);
    expect(statusOf(await closed)).toBe(DisconnectReason.loggedOut);
    expect(simulator.devices()).toEqual([]);

    await client.connect(simulator.url);
    expect(statusOf(await client.next((u) => u.connection === 'close'))).toBe(DisconnectReason.loggedOut);
  });

  it('replaces the connection (stream:error conflict): Baileys reports connectionReplaced (440)', async () => {
    const closed = client.next((u) => u.connection === 'close');
    await simulator.replace(device);
    expect(statusOf(await closed)).toBe(DisconnectReason.connectionReplaced);
  });

  it('replaces the older connection when the same device logs in twice', async () => {
    const closed = client.next((u) => u.connection === 'close');
    const second = await BaileysClient.create();
    try {
      // Same creds from a second client, as when a second bridge instance wrongly runs the session.
      await second.connect(simulator.url, client.folder);
      await second.next((u) => u.connection === 'open');
      expect(statusOf(await closed)).toBe(DisconnectReason.connectionReplaced);
    } finally {
      second.socket?.end(undefined);
    }
  });

  it('drops the connection: Baileys reports the connection closed, and logs in again once the server is back', async () => {
    const closed = client.next((u) => u.connection === 'close');
    await simulator.stop();
    expect([DisconnectReason.connectionClosed, DisconnectReason.connectionLost]).toContain(statusOf(await closed));
    expect(socket.user?.id).toBe(device.phone.phoneNumber + ':1@s.whatsapp.net');

    await client.connect(simulator.url);
    expect([DisconnectReason.connectionClosed, DisconnectReason.connectionLost]).toContain(
      statusOf(await client.next((u) => u.connection === 'close')),
    );

    await simulator.listen();
    await client.connect(simulator.url);
    await client.next((u) => u.connection === 'open');
  });
});
