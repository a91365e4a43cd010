import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BaileysEventMap, WASocket } from '@whiskeysockets/baileys';
import { startSandboxSimulator, type SandboxSimulator } from '../../bridge/src/simulator/sandboxSimulator.ts';
import { BaileysClient } from './baileysClient.ts';

function upsertWithText(socket: WASocket, text: string): Promise<BaileysEventMap['messages.upsert']> {
  return new Promise((resolve) => {
    socket.ev.on('messages.upsert', (u) => {
      if (u.messages.some((m) => m.message?.conversation === text)) resolve(u);
    });
  });
}

describe('the sandbox simulator keeps its state in a file', () => {
  let folder: string;
  let sandbox: SandboxSimulator | undefined;
  let client: BaileysClient;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sim-state-'));
    client = await BaileysClient.create();
  });

  afterEach(async () => {
    await client.dispose();
    await sandbox?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('a restarted simulator still knows the linked device, its keys and every Signal session', async () => {
    const stateFile = join(folder, 'state.json');
    sandbox = await startSandboxSimulator({ port: 0, stateFile });
    const phone = sandbox.simulator.createPhone('15550004444');
    const { socket, device } = await client.pair(sandbox.simulator, phone);
    const contact = sandbox.simulator.createContact('15557004444', 'Erin');
    const first = upsertWithText(socket, 'before the restart');
    await contact.sendText(device, 'before the restart');
    await first;
    const reply = await socket.sendMessage(contact.jid, { text: 'reply before' });
    await contact.waitForMessage((m) => m.id === reply?.key.id);

    const closed = client.next((u) => u.connection === 'close');
    await sandbox.stop();
    await closed;
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    sandbox = await startSandboxSimulator({ port: 0, stateFile });
    const restored = sandbox.simulator;
    expect(restored.devices().map((d) => d.deviceId)).toEqual([1]);
    const again = await client.connect(restored.url);
    const seenQr: string[] = [];
    again.ev.on('connection.update', (u) => u.qr && seenQr.push(u.qr));
    await client.next((u) => u.connection === 'open');
    expect(seenQr).toEqual([]);

    const restoredContact = restored.contact('15557004444');
    const restoredDevice = restored.devices()[0];
    const second = upsertWithText(again, 'after the restart');
    await restoredContact?.sendText(restoredDevice, 'after the restart');
    await second;
    // The contact's session carried over: Baileys answered it before the restart, so this is a plain msg.
    expect(restoredContact?.delivered.map((d) => d.encType)).toEqual(['msg']);
    const later = await again.sendMessage(contact.jid, { text: 'reply after' });
    expect((await restoredContact?.waitForMessage((m) => m.id === later?.key.id))?.text).toBe('reply after');
  });
});
