import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '@whiskeysockets/baileys';
import type { Boom } from '@hapi/boom';
import { useSimulatorAndClient } from './simulatorFixture.ts';

describe('pairing by phone number (pairing code)', () => {
  const fixture = useSimulatorAndClient();

  it('links the device when the code Baileys shows is typed on the phone', async () => {
    const simulator = fixture.simulator();
    const client = fixture.client();
    const phone = simulator.createPhone('15550005555');
    const socket = await client.connect(simulator.url);
    await client.next((u) => typeof u.qr === 'string');
    const code = await socket.requestPairingCode('15550005555');
    expect(code).toMatch(/^[A-Z0-9]{8}$/);

    const restarted = client.next((u) => u.connection === 'close');
    const device = await simulator.enterPairingCode(phone, code);
    expect(((await restarted).lastDisconnect?.error as Boom).output.statusCode).toBe(DisconnectReason.restartRequired);
    const again = await client.connect(simulator.url);
    await client.next((u) => u.connection === 'open');
    expect(again.user?.id).toBe(`15550005555:${device.deviceId}@s.whatsapp.net`);
  });

  it('does not link with a wrong code, nor for another phone number', async () => {
    const simulator = fixture.simulator();
    const client = fixture.client();
    const phone = simulator.createPhone('15550006666');
    const other = simulator.createPhone('15550007777');
    const socket = await client.connect(simulator.url);
    await client.next((u) => typeof u.qr === 'string');
    const code = await socket.requestPairingCode('15550006666');
    await expect(simulator.enterPairingCode(other, code)).rejects.toThrow(/no client is waiting/);
    const wrong = code.startsWith('A') ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    await expect(simulator.enterPairingCode(phone, wrong)).rejects.toThrow(/unable to authenticate/);
    expect(simulator.devices()).toEqual([]);
  });
});
