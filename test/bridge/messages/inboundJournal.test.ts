import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { inboundJournal, type JournalEntry } from '../../../bridge/src/messages/inboundJournal.ts';
import { startMessagingBridge, waitUntil } from '../../support/messagingBridge.ts';
import { asDelivered, textMessage } from '../../support/waMessages.ts';

// Baileys acknowledges a message to WhatsApp before it emits it: from then on the bridge holds
// the only copy. The journal keeps each upsert on disk until its writes are stored or queued; a
// process killed in between leaves it, and the next start replays it.

const log = pino({ level: 'silent' });
const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const entry = (text: string, organizationId = 'org_journal'): JournalEntry => ({
  organizationId,
  session: 'main',
  sessionId: 'ses_journal',
  me: { id: '15550001111:1@s.whatsapp.net' },
  messages: [asDelivered(textMessage(text))],
});
const files = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.journal'));

describe('the inbound journal', () => {
  it('keeps an upsert on disk until it is released, then removes the finished segment', async () => {
    const dir = folder();
    const journal = inboundJournal(dir, 'bridge-a', log);
    const releaseFirst = journal.record(entry('first'));
    const releaseSecond = journal.record(entry('second'));
    expect(files(dir)).toHaveLength(1);
    expect(readFileSync(join(dir, files(dir)[0]), 'utf8')).toContain('"first"');
    releaseFirst();
    journal.close();
    // One entry is still on its way: the segment stays.
    expect(files(dir)).toHaveLength(1);
    releaseSecond();
    releaseSecond(); // twice is harmless
    expect(files(dir)).toHaveLength(0);
  });

  it("replays what another process left (Buffers intact), skips its cut-off last line, and never takes a live run's segment", async () => {
    const dir = folder();
    const killed = inboundJournal(dir, 'bridge-a', log);
    killed.record(entry('left behind 1'));
    killed.record(entry('left behind 2'));
    // kill -9 in the middle of an append: half a line at the end.
    appendFileSync(join(dir, files(dir)[0]), '{"organizationId":"org_journal","sess');

    const next = inboundJournal(dir, 'bridge-a', log);
    const live = next.record(entry('the new run, in flight'));
    const replayed: JournalEntry[] = [];
    expect(await next.replayLeftovers(async (entries) => void replayed.push(...entries))).toBe(2);
    expect(replayed.map((e) => e.messages[0].message?.conversation)).toEqual(['left behind 1', 'left behind 2']);
    // BufferJSON keeps binary fields binary (message secrets, media keys).
    const withKey = { ...entry('bytes'), messages: [{ ...asDelivered(textMessage('bytes')), messageSecret: Buffer.from([1, 2, 3]) } as never] };
    const other = inboundJournal(folder(), 'bridge-b', log);
    other.record(withKey);
    const again: JournalEntry[] = [];
    await inboundJournal(other.dir, 'bridge-b', log).replayLeftovers(async (entries) => void again.push(...entries));
    expect(Buffer.isBuffer((again[0].messages[0] as { messageSecret?: unknown }).messageSecret)).toBe(true);

    // Only the live run's own segment is left, and a second replay finds nothing.
    expect(files(dir)).toHaveLength(1);
    expect(await inboundJournal(dir, 'bridge-a', log).replayLeftovers(async () => undefined)).toBe(1);
    live();
  });

  it('a replay that fails leaves the segment for the next start', async () => {
    const dir = folder();
    inboundJournal(dir, 'bridge-a', log).record(entry('not yet'));
    await expect(inboundJournal(dir, 'bridge-a', log).replayLeftovers(() => Promise.reject(new Error('MongoDB away')))).rejects.toThrow('MongoDB away');
    expect(files(dir)).toHaveLength(1);
    expect(await inboundJournal(dir, 'bridge-a', log).replayLeftovers(async () => undefined)).toBe(1);
    expect(files(dir)).toHaveLength(0);
  });

  it('a bridge that starts after a killed one stores and announces what the killed one had received', async () => {
    const spool = folder();
    const tb = await startMessagingBridge({ label: 'journal', env: { BRIDGE_SPOOL_DIR: spool }, noStart: true });
    try {
      const org = await tb.createOrganization('Journal');
      const dir = join(tb.state.config.spoolDir, tb.state.keyPrefix, 'journal');
      const left = entry('received by the killed process', org.id);
      inboundJournal(dir, 'killed-instance', log).record(left);
      await tb.bridge.start();
      const id = left.messages[0].key.id!;
      await waitUntil(async () => (await tb.state.models.Event.countDocuments({ type: 'message.received', 'data.messageId': id })) === 1, 15_000, 'replayed and announced');
      const stored = await tb.request('GET', `/v1/messages?session=main`, { key: org.apiKey });
      expect(stored.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: id, text: 'received by the killed process', direction: 'in' })]));
      expect(files(dir)).toHaveLength(0);
    } finally {
      await tb.close();
    }
  });
});
