import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WAMessageStubType, type BaileysEventMap, type WAMessage, type WASocket } from '@whiskeysockets/baileys';
import { WhatsAppSimulator } from '../../bridge/src/simulator/whatsAppSimulator.ts';
import type { LinkedDevice } from '../../bridge/src/simulator/linkedDevice.ts';
import type { SimulatedPhone } from '../../bridge/src/simulator/simulatedPhone.ts';
import { SimulatedGroup } from '../../bridge/src/simulator/simulatedGroup.ts';
import { postStatus, STATUS_JID } from '../../bridge/src/simulator/statusBroadcast.ts';
import { startSandboxSimulator, type SandboxSimulator } from '../../bridge/src/simulator/sandboxSimulator.ts';
import { useSandboxBridge } from '../support/sandboxBridge.ts';
import type { TestBridge } from '../support/stack.ts';
import { eventually, hasStatus, until, waitForSession } from '../support/sessionWaits.ts';
import { BaileysClient } from './baileysClient.ts';

/** Resolves with the first message of a messages.upsert (from now on) that matches. */
function nextMessage(socket: WASocket, predicate: (message: WAMessage) => boolean, timeoutMs = 10_000): Promise<WAMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.ev.off('messages.upsert', listener);
      reject(new Error('no matching message in messages.upsert'));
    }, timeoutMs);
    const listener = ({ messages }: BaileysEventMap['messages.upsert']): void => {
      const found = messages.find(predicate);
      if (!found) return;
      clearTimeout(timer);
      socket.ev.off('messages.upsert', listener);
      resolve(found);
    };
    socket.ev.on('messages.upsert', listener);
  });
}

const withText = (text: string) => (m: WAMessage) => m.message?.conversation === text;

describe('groups and status through the real Baileys', () => {
  let simulator: WhatsAppSimulator;
  let client: BaileysClient;
  let socket: WASocket;
  let device: LinkedDevice;
  let phone: SimulatedPhone;

  beforeEach(async () => {
    simulator = await WhatsAppSimulator.start();
    client = await BaileysClient.create();
    phone = simulator.createPhone('15550003333', 'Bob');
    ({ socket, device } = await client.pair(simulator, phone));
  });

  afterEach(async () => {
    await client.dispose();
    await simulator.stop();
  });

  it('delivers texts from two participants with the group as remoteJid and the sender as participant; the sender key rides along only the first time', async () => {
    const carol = simulator.createContact('15557780001', 'Carol');
    const dave = simulator.createContact('15557780002', 'Dave');
    const group = SimulatedGroup.create(simulator, { subject: 'Team', members: [carol, dave, phone] });
    expect(group.jid).toMatch(/^\d{18}@g\.us$/);

    const first = nextMessage(socket, withText('hello team'));
    const sent = await group.sendText(carol, device, 'hello team');
    expect(sent.encTypes).toEqual(['pkmsg', 'skmsg']);
    const received = await first;
    expect(received.key).toMatchObject({ remoteJid: group.jid, participant: carol.jid, id: sent.id, fromMe: false });
    expect(received.pushName).toBe('Carol');
    expect(received.messageStubType ?? undefined).toBeUndefined();

    const fromDave = nextMessage(socket, withText('hi all'));
    expect((await group.sendText(dave, device, 'hi all')).encTypes).toEqual(['pkmsg', 'skmsg']);
    expect((await fromDave).key).toMatchObject({ remoteJid: group.jid, participant: dave.jid });

    const second = nextMessage(socket, withText('again from carol'));
    expect((await group.sendText(carol, device, 'again from carol')).encTypes).toEqual(['skmsg']);
    expect((await second).key).toMatchObject({ remoteJid: group.jid, participant: carol.jid });

    // Baileys acknowledges each group message with a receipt naming its sender.
    await expect.poll(() => simulator.receiptsFrom(device).filter((r) => r.to === group.jid).length).toBe(3);
  });

  it('answers groupMetadata and groupFetchAllParticipating with the subject and the participants', async () => {
    const carol = simulator.createContact('15557780003', 'Carol');
    const dave = simulator.createContact('15557780004', 'Dave');
    const group = SimulatedGroup.create(simulator, { subject: 'Book club', members: [carol, dave, phone], id: '15557780003-1700000000' });

    const metadata = await socket.groupMetadata(group.jid);
    expect(metadata).toMatchObject({ id: '15557780003-1700000000@g.us', subject: 'Book club', owner: carol.jid, subjectOwner: carol.jid, size: 3, addressingMode: 'pn' });
    expect(metadata.participants).toEqual([
      expect.objectContaining({ id: carol.jid, admin: 'superadmin' }),
      expect.objectContaining({ id: dave.jid, admin: null }),
      expect.objectContaining({ id: phone.jid, admin: null }),
    ]);

    const all = await socket.groupFetchAllParticipating();
    expect(Object.keys(all)).toEqual([group.jid]);
    expect(all[group.jid].subject).toBe('Book club');

    SimulatedGroup.create(simulator, { subject: 'Not ours', members: [carol, dave] });
    await expect(socket.groupMetadata('120363000000000001@g.us')).rejects.toThrow(/item-not-found/);
  });

  it('lets each participant contact decrypt a text Baileys sends to the group', async () => {
    const carol = simulator.createContact('15557780005', 'Carol');
    const dave = simulator.createContact('15557780006', 'Dave');
    const group = SimulatedGroup.create(simulator, { subject: 'Plans', members: [carol, dave, phone] });

    const sent = await socket.sendMessage(group.jid, { text: 'dinner at 8?' });
    const id = sent?.key.id as string;
    for (const contact of [carol, dave]) {
      expect(await contact.waitForMessage((m) => m.id === id)).toMatchObject({
        text: 'dinner at 8?',
        to: group.jid,
        from: '15550003333:1@s.whatsapp.net',
        encType: 'skmsg',
      });
    }

    // The second send carries no sender key (Baileys remembers who has it): the contacts still read it.
    const again = await socket.sendMessage(group.jid, { text: 'or 9' });
    for (const contact of [carol, dave]) {
      expect((await contact.waitForMessage((m) => m.id === again?.key.id)).text).toBe('or 9');
    }

    // Carol answers in the group: her sender key goes on the session Baileys started, so as a `msg`.
    const answer = nextMessage(socket, withText('9 works'));
    expect((await group.sendText(carol, device, '9 works')).encTypes).toEqual(['msg', 'skmsg']);
    expect((await answer).key).toMatchObject({ remoteJid: group.jid, participant: carol.jid });
  });

  it('announces an added participant as a GROUP_PARTICIPANT_ADD stub, and the newcomer then reads the group', async () => {
    const carol = simulator.createContact('15557780007', 'Carol');
    const erin = simulator.createContact('15557780008', 'Erin');
    const group = SimulatedGroup.create(simulator, { subject: 'Growing', members: [carol, phone] });
    const participantsUpdate = new Promise<BaileysEventMap['group-participants.update']>((resolve) => socket.ev.on('group-participants.update', resolve));

    const stub = nextMessage(socket, (m) => m.messageStubType === WAMessageStubType.GROUP_PARTICIPANT_ADD);
    const id = await group.addParticipants([erin], device);
    const added = await stub;
    expect(added.key).toMatchObject({ remoteJid: group.jid, participant: carol.jid, id });
    expect(added.messageStubParameters?.map((p: string) => JSON.parse(p) as { id: string })).toEqual([expect.objectContaining({ id: erin.jid })]);
    expect(await participantsUpdate).toMatchObject({ id: group.jid, action: 'add', author: carol.jid, participants: [expect.objectContaining({ id: erin.jid })] });

    expect((await socket.groupMetadata(group.jid)).participants.map((p) => p.id)).toContain(erin.jid);
    const sent = await socket.sendMessage(group.jid, { text: 'welcome erin' });
    expect((await erin.waitForMessage((m) => m.id === sent?.key.id)).text).toBe('welcome erin');
  });

  it('delivers a status post from status@broadcast with the poster as participant', async () => {
    const carol = simulator.createContact('15557780009', 'Carol');
    const first = nextMessage(socket, withText('at the beach'));
    const posted = await postStatus(simulator, carol, device, 'at the beach');
    expect(posted.encTypes).toEqual(['pkmsg', 'skmsg']);
    expect((await first).key).toMatchObject({ remoteJid: STATUS_JID, participant: carol.jid, id: posted.id });

    const second = nextMessage(socket, withText('sunset'));
    expect((await postStatus(simulator, carol, device, 'sunset')).encTypes).toEqual(['skmsg']);
    expect((await second).key).toMatchObject({ remoteJid: STATUS_JID, participant: carol.jid });

    // And the other way: Baileys posts a status for the contacts in its statusJidList.
    const own = await socket.sendMessage(STATUS_JID, { text: 'my status' }, { statusJidList: [carol.jid] });
    expect(await carol.waitForMessage((m) => m.id === own?.key.id)).toMatchObject({ text: 'my status', to: STATUS_JID, encType: 'skmsg' });
  });

  it('names members by LID in a LID-addressed group, with their phone number beside it', async () => {
    const carol = simulator.createContact('15557780010', 'Carol');
    const dave = simulator.createContact('15557780011', 'Dave');
    const group = SimulatedGroup.create(simulator, { subject: 'New style', members: [carol, dave, phone], addressing: 'lid' });

    const first = nextMessage(socket, withText('lid hello'));
    await group.sendText(carol, device, 'lid hello');
    expect((await first).key).toMatchObject({ remoteJid: group.jid, participant: carol.lidJid, participantAlt: carol.jid, addressingMode: 'lid' });

    const metadata = await socket.groupMetadata(group.jid);
    expect(metadata.addressingMode).toBe('lid');
    expect(metadata.participants).toContainEqual(expect.objectContaining({ id: dave.lidJid, phoneNumber: dave.jid }));

    const sent = await socket.sendMessage(group.jid, { text: 'lid reply' });
    for (const contact of [carol, dave]) expect((await contact.waitForMessage((m) => m.id === sent?.key.id)).text).toBe('lid reply');
  });
});

describe('groups and status through the control API', () => {
  let sandbox: SandboxSimulator;
  let client: BaileysClient;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${sandbox.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  beforeEach(async () => {
    sandbox = await startSandboxSimulator({ port: 0 });
    client = await BaileysClient.create();
  });

  afterEach(async () => {
    await client.dispose();
    await sandbox.stop();
  });

  it('creates a group, writes to it as a participant, adds someone, posts a status', async () => {
    const phone = sandbox.simulator.createPhone('15550004444', 'Bob');
    const { socket } = await client.pair(sandbox.simulator, phone);
    const to = '15550004444:1@s.whatsapp.net';

    const created = await call('POST', '/groups', { subject: 'Control', participants: ['15557790001', '15557790002'], phoneNumber: '15550004444' });
    expect(created.status).toBe(201);
    const jid = created.body.jid as string;
    expect(created.body).toMatchObject({
      subject: 'Control',
      participants: [
        { phoneNumber: '15557790001', jid: '15557790001@s.whatsapp.net', admin: 'superadmin' },
        { phoneNumber: '15557790002', jid: '15557790002@s.whatsapp.net', admin: null },
        { phoneNumber: '15550004444', jid: '15550004444@s.whatsapp.net', admin: null },
      ],
    });

    const upsert = nextMessage(socket, withText('from the control api'));
    const sent = await call('POST', `/groups/${jid}/messages`, { from: '15557790002', to, text: 'from the control api' });
    expect(sent.status).toBe(201);
    expect((await upsert).key).toMatchObject({ id: sent.body.id, remoteJid: jid, participant: '15557790002@s.whatsapp.net' });
    expect((await call('POST', `/groups/${jid}/messages`, { from: '15557790009', to, text: 'x' })).body.error.code).toBe('not_a_participant');

    const stub = nextMessage(socket, (m) => m.messageStubType === WAMessageStubType.GROUP_PARTICIPANT_ADD);
    const added = await call('POST', `/groups/${jid}/participants`, { add: ['15557790003'], to });
    expect(added.status).toBe(200);
    expect((await stub).key).toMatchObject({ remoteJid: jid, id: added.body.id });

    const status = nextMessage(socket, withText('status from the control api'));
    const posted = await call('POST', '/status', { from: '15557790003', to, text: 'status from the control api' });
    expect(posted.status).toBe(201);
    expect((await status).key).toMatchObject({ id: posted.body.id, remoteJid: 'status@broadcast', participant: '15557790003@s.whatsapp.net' });

    expect((await call('POST', '/groups/123@g.us/messages', { from: '15557790002', to, text: 'x' })).status).toBe(400);
    expect((await call('GET', '/groups')).body.data.map((g: { jid: string }) => g.jid)).toEqual([jid]);
  });
});

/** WA_SANDBOX=true, in-process: the bridge's own Baileys against its simulator, driven by the sandbox routes. */
describe('groups and status through the sandbox routes', () => {
  let bridge: TestBridge;
  let key: string;
  useSandboxBridge('sandboxgroups', (started, apiKey) => {
    bridge = started;
    key = apiKey;
  });

  it('creates a group with the session\'s phone, writes to it, adds someone, posts a status; the bridge receives them', async () => {
    await bridge.request('POST', '/v1/sessions', { key, body: { name: 'grp' } });
    let scanned: { status: number; body: any } | undefined;
    await until(async () => {
      scanned = await bridge.request('POST', '/v1/sandbox/sessions/grp/scan', { key, body: { phoneNumber: '15550303030' } });
      return scanned.status !== 404;
    }, 15_000, 'a QR code to scan');
    expect(scanned?.status).toBe(201);
    await waitForSession(bridge, key, 'grp', hasStatus('connected'), 20_000);

    const created = await bridge.request('POST', '/v1/sandbox/sessions/grp/groups', { key, body: { subject: 'Sandbox group', participants: ['15557003030'] } });
    expect(created.status).toBe(201);
    const jid = created.body.jid as string;
    expect(created.body.participants.map((p: { phoneNumber: string }) => p.phoneNumber)).toEqual(['15557003030', '15550303030']);

    const sent = await bridge.request('POST', `/v1/sandbox/sessions/grp/groups/${jid}/messages`, { key, body: { from: '15557003030', text: 'hello sandbox group' } });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ group: jid, from: '15557003030@s.whatsapp.net', to: '15550303030:1@s.whatsapp.net' });
    const stored = await eventually('the group message in GET /v1/messages', async () => {
      const list = await bridge.request('GET', '/v1/messages?direction=in', { key });
      return (list.body.data as { messageId: string }[]).find((m) => m.messageId === sent.body.messageId);
    });
    expect(stored).toMatchObject({ messageId: sent.body.messageId });

    const added = await bridge.request('POST', `/v1/sandbox/sessions/grp/groups/${jid}/participants`, { key, body: { add: ['15557003031'] } });
    expect(added.status).toBe(200);
    expect(added.body.participants).toHaveLength(3);

    const posted = await bridge.request('POST', '/v1/sandbox/sessions/grp/status', { key, body: { from: '15557003030', text: 'sandbox status' } });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ from: '15557003030@s.whatsapp.net', to: '15550303030:1@s.whatsapp.net' });

    expect((await bridge.request('POST', '/v1/sandbox/sessions/grp/groups/120363000000000009@g.us/messages', { key, body: { from: '15557003030', text: 'x' } })).status).toBe(404);
    expect((await bridge.request('POST', `/v1/sandbox/sessions/grp/groups/${jid}/messages`, { key, body: { from: '15557009999', text: 'x' } })).body.error.code).toBe('not_a_participant');
    expect((await bridge.request('POST', '/v1/sandbox/sessions/grp/groups/not-a-group/messages', { key, body: { from: '15557003030', text: 'x' } })).status).toBe(400);
  });
});
