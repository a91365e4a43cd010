import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessagingBridge, waitUntil, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { asDelivered, textMessage } from '../../support/waMessages.ts';
import { normaliseMessage } from '../../../bridge/src/messages/normalizeMessage.ts';
import { messageStore } from '../../../bridge/src/messages/messageStore.ts';
import type { EventRecorder } from '../../../bridge/src/events/eventTypes.ts';
import type { FakeSocket } from '../../support/fakeSocket.ts';

// A write that stored a message and stopped before its event (the process killed in between:
// Baileys had acknowledged the message already, so WhatsApp never sends it again) must still
// reach the webhooks: the message keeps an `unannounced` mark until its event is recorded, and
// the inbound worker's sweep records the events of marked messages.

let tb: MessagingTestBridge;
let org: { id: string; apiKey: string };
let socket: FakeSocket;

beforeAll(async () => {
  tb = await startMessagingBridge({ label: 'announce' });
  org = await tb.createOrganization('Announce');
  socket = tb.gateway.connect(org.id, 'main');
});
afterAll(async () => tb?.close());

const receivedEvents = (messageId: string) => tb.state.models.Event.find({ organizationId: org.id, type: 'message.received', 'data.messageId': messageId }).lean();

/** The store as a process that dies right after the message insert would leave it: stored, marked, no event. */
async function storeThenDie(text: string, createdAt: Date): Promise<string> {
  const raw = asDelivered(textMessage(text));
  const doc = normaliseMessage({ organizationId: org.id, session: 'main' }, raw, createdAt)!;
  const dying: EventRecorder = {
    ...tb.bridge.events,
    recordMany: () => Promise.reject(new Error('killed before the event was written')),
  };
  await expect(messageStore(tb.state.models, dying).writeMessages([doc])).rejects.toThrow('killed');
  return raw.key.id!;
}

describe('messages stored without their event', () => {
  it('a normal write is announced at once; the sweep then only clears its mark', async () => {
    const raw = asDelivered(textMessage('announced at once'));
    socket.receive([raw]);
    await waitUntil(async () => (await receivedEvents(raw.key.id!)).length === 1, 10_000, 'message.received');
    expect(await tb.state.models.Message.findOne({ messageId: raw.key.id }).lean()).toMatchObject({ text: 'announced at once', unannounced: true });
    // The marks of announced messages are cleared in bulk by the sweep, which records nothing new for them.
    await messageStore(tb.state.models, tb.bridge.events).announceStored(0);
    expect(await tb.state.models.Message.findOne({ messageId: raw.key.id }).lean()).not.toHaveProperty('unannounced');
    expect(await receivedEvents(raw.key.id!)).toHaveLength(1);
  });

  it('announceStored records the missing event once, and only for writes older than the grace period', async () => {
    const id = await storeThenDie('stored, then the process died', new Date(Date.now() - 60_000));
    expect(await tb.state.models.Message.findOne({ messageId: id }).lean()).toMatchObject({ unannounced: true });
    expect(await receivedEvents(id)).toHaveLength(0);

    const store = messageStore(tb.state.models, tb.bridge.events);
    // A write younger than the grace period may still be on its way to its event: left alone.
    const young = await storeThenDie('stored a moment ago', new Date());
    await store.announceStored(30_000);
    expect(await receivedEvents(young)).toHaveLength(0);
    expect(await receivedEvents(id)).toHaveLength(1);
    expect((await receivedEvents(id))[0].data).toMatchObject({ text: 'stored, then the process died', direction: 'in' });
    expect(await tb.state.models.Message.findOne({ messageId: id }).lean()).not.toHaveProperty('unannounced');

    // Running again (another instance's sweep, a redelivery) adds nothing.
    await store.announceStored(0);
    socket.receive([asDelivered(textMessage('stored, then the process died', { id }))]);
    await waitUntil(async () => (await receivedEvents(young)).length === 1, 10_000, 'the young one announced by the second sweep');
    expect(await receivedEvents(id)).toHaveLength(1);
    expect(tb.recorded.filter((e) => e.type === 'message.received' && (e.data as { messageId: string }).messageId === id)).toHaveLength(1);
  });

  it("the running bridge's inbound worker finds such messages by itself and delivers their event", async () => {
    const id = await storeThenDie('left behind by a killed process', new Date(Date.now() - 60_000));
    // The sweep runs every 10 s: wait for its event, not for a clock.
    await waitUntil(async () => (await receivedEvents(id)).length === 1, 60_000, 'the sweep announced it');
    expect(tb.recorded.some((e) => e.type === 'message.received' && (e.data as { messageId: string }).messageId === id)).toBe(true);
  });
});
