import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MONGODB_URI, startTestBridge, uniqueName, type TestBridge } from '../../support/stack.ts';
import { hasStatus, until, waitForSession } from '../../support/sessionWaits.ts';
import { textMessage } from '../../support/waMessages.ts';
import type { RecordedEvent } from '../../../bridge/src/events/eventTypes.ts';

/**
 * Baileys holds events in its buffer (during the offline queue, while a message is processed), and
 * its end() drops what is still held. Whenever the bridge ends a socket (stop, restart, logout,
 * shutdown) it flushes first and hands what came out to the writers, so nothing held is lost.
 */
describe('events held in the socket buffer when the bridge ends the socket', () => {
  let t: TestBridge;
  let key: string;
  const recorded: RecordedEvent[] = [];
  // Named, so that the bridge started after the shutdown finds the same data.
  const dbName = uniqueName('buffered');

  beforeAll(async () => {
    t = await startTestBridge({ label: 'buffered', dbName });
    ({ apiKey: key } = await t.createOrganization('acme'));
    t.bridge.events.onRecorded((event) => void recorded.push(event));
  });
  afterAll(async () => {
    await t?.close();
    const client = new MongoClient(MONGODB_URI);
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  const received = (id: string) => recorded.filter((e) => e.type === 'message.received' && (e.data as { messageId: string }).messageId === id);

  async function connected(name: string) {
    await t.request('POST', '/v1/sessions', { key, body: { name } });
    await waitForSession(t, key, name, hasStatus('qr_ready'));
    t.whatsapp.latest(name)!.scanQr();
    await waitForSession(t, key, name, hasStatus('connected'));
    return t.whatsapp.waitFor(name, (s) => s.state === 'open');
  }

  for (const [how, act] of [
    ['stop', (name: string) => t.request('POST', `/v1/sessions/${name}/stop`, { key })],
    ['restart', (name: string) => t.request('POST', `/v1/sessions/${name}/restart`, { key })],
    ['shutdown', async () => {
      await t.close();
      t = await startTestBridge({ label: 'buffered', dbName });
      t.bridge.events.onRecorded((event) => void recorded.push(event));
    }],
  ] as const) {
    it(`${how}: the held messages are stored and announced`, async () => {
      const name = `held-${how}`;
      const socket = await connected(name);
      socket.buffering = true;
      const messages = [textMessage(`held before the ${how} 1`), textMessage(`held before the ${how} 2`)];
      socket.receive(messages);
      await act(name);
      for (const message of messages) {
        await until(() => received(message.key.id!).length === 1, 10_000, `${message.key.id} announced`);
      }
      const stored = await t.state.models.Message.find({ messageId: { $in: messages.map((m) => m.key.id!) } }).lean();
      expect(stored.map((m) => m.text).sort()).toEqual(messages.map((m) => m.message!.conversation).sort());
    });
  }
});
