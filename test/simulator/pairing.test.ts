import { describe, expect, it } from 'vitest';
import { DisconnectReason, proto } from '@whiskeysockets/baileys';
import type { Boom } from '@hapi/boom';
import { useSimulatorAndClient } from './simulatorFixture.ts';

function statusOf(update: { lastDisconnect?: { error?: Error } }): number | undefined {
  return (update.lastDisconnect?.error as Boom | undefined)?.output?.statusCode;
}

describe('pairing unmodified Baileys with the simulator', () => {
  const fixture = useSimulatorAndClient();

  it('shows a QR, pairs when the phone scans it, restarts (515) and opens; the saved creds log in again without a QR', async () => {
    const simulator = fixture.simulator();
    const client = fixture.client();
    const phone = simulator.createPhone('15550001111', 'Alice');
    await client.connect(simulator.url);
    const { qr } = await client.next((u) => typeof u.qr === 'string');
    expect(qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#2@/);

    const closed = client.next((u) => u.connection === 'close');
    const device = await simulator.scan(qr as string, phone);
    expect(statusOf(await closed)).toBe(DisconnectReason.restartRequired);
    expect(device.deviceId).toBe(1);

    const socket = await client.connect(simulator.url);
    // The phone's history bootstrap ends Baileys' first-connection buffering (else it waits 20 s).
    const history = new Promise<number | null | undefined>((resolve) => socket.ev.on('messaging-history.set', (h) => resolve(h.syncType)));
    await client.next((u) => u.connection === 'open');
    expect(await history).toBe(proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP);
    expect(socket.user?.id).toBe('15550001111:1@s.whatsapp.net');
    expect(socket.user?.lid).toBe(`${phone.lid}:1@lid`);
    socket.end(undefined);

    const again = await client.connect(simulator.url);
    const seen: string[] = [];
    again.ev.on('connection.update', (u) => {
      if (u.qr) seen.push(u.qr);
    });
    await client.next((u) => u.connection === 'open');
    expect(seen).toEqual([]);
  });
});
