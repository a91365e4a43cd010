import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { proto } from '@whiskeysockets/baileys';
import { startMessagingBridge, waitUntil, type MessagingTestBridge } from '../../support/messagingBridge.ts';
import { ADMIN_KEY, uniqueName } from '../../support/stack.ts';
import { privateDatabase, privateRedis } from '../../support/services.ts';
import { messageId, PEER, textMessage } from '../../support/waMessages.ts';

const bridges: MessagingTestBridge[] = [];
afterAll(async () => {
  for (const b of bridges.reverse()) await b.close().catch(() => undefined);
});

describe('dead letters: inbound writes that gave up are counted, listed and replayable', () => {
  it('an edit of a message that never came gives up, is listed with its reason, and applies once replayed after the message arrived', { timeout: 60_000 }, async () => {
    const tb = await startMessagingBridge({ label: 'deadletters', bridgeOptions: { inbound: { statusAttempts: 2, retryBaseMs: 50, retryMaxMs: 100 } } });
    bridges.push(tb);
    const org = await tb.createOrganization('Dead Letters');
    const socket = tb.gateway.connect(org.id, 'main');
    const original = messageId();
    const edit = {
      key: { remoteJid: PEER, fromMe: false, id: messageId() },
      messageTimestamp: Math.floor(Date.now() / 1000),
      message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT, key: { remoteJid: PEER, fromMe: false, id: original }, editedMessage: { conversation: 'the edited text' } } },
    };
    socket.receive([edit]);

    const listed = async () => (await tb.request('GET', '/v1/admin/dead-letters', { key: ADMIN_KEY })).body;
    await waitUntil(async () => (await listed()).total === 1, 30_000, 'the edit given up');
    const [letter] = (await listed()).data;
    expect(letter).toMatchObject({ kind: 'change', organizationId: org.id, session: 'main', messageId: original, attempts: 2 });
    expect(letter.reason).toContain('not stored yet');
    const metrics = await fetch(`${tb.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^wab_inbound_gave_up_total\{kind="change"\} 1$/m);
    expect(metrics).toMatch(/^wab_inbound_dead_letters 1$/m);
    expect((await tb.request('GET', '/v1/admin/dead-letters', { key: (await tb.createOrganization('Other')).apiKey })).status).toBe(403);
    expect((await tb.request('POST', '/v1/admin/dead-letters/replay', { key: ADMIN_KEY, body: { ids: [] } })).status).toBe(400);

    socket.receive([textMessage('the first text', { id: original })]);
    await waitUntil(async () => !!(await tb.state.models.Message.findOne({ messageId: original })), 10_000, 'the original stored');
    expect((await tb.request('POST', '/v1/admin/dead-letters/replay', { key: ADMIN_KEY, body: { ids: [letter.id] } })).body).toEqual({ replayed: 1 });
    await waitUntil(async () => (await tb.state.models.Message.findOne({ messageId: original }).lean())?.text === 'the edited text', 15_000, 'the edit applied');
    expect((await tb.state.models.Message.findOne({ messageId: original }).lean())?.edits?.map((e) => e.text)).toEqual(['the first text']);
    expect((await listed()).total).toBe(0);
  });

  it('writes that neither the database nor Redis takes are spooled to disk at close, and stored by the next bridge', { timeout: 180_000 }, async () => {
    const database = await privateDatabase();
    const redis = await privateRedis();
    const spool = mkdtempSync(join(tmpdir(), 'wab-spool-'));
    const dbName = uniqueName('spool');
    const env = { MONGODB_URI: database.url, REDIS_URL: redis.url, BRIDGE_SPOOL_DIR: spool, REDIS_KEY_PREFIX: uniqueName('spool') };
    try {
      const first = await startMessagingBridge({ label: 'spool', dbName, env, bridgeOptions: { inbound: { writeTimeoutMs: 500 } } });
      const org = await first.createOrganization('Spool');
      const socket = first.gateway.connect(org.id, 'main');
      await database.stop();
      await redis.stop();
      const ids = Array.from({ length: 20 }, () => messageId());
      for (const [i, id] of ids.entries()) socket.receive([textMessage(`while everything is down ${i}`, { id })]);
      await first.close().catch(() => undefined);
      const files = readdirSync(spool, { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl'));
      expect(files).toHaveLength(1);

      await database.start();
      await redis.start();
      const second = await startMessagingBridge({ label: 'spool', dbName, env });
      bridges.push(second);
      await waitUntil(async () => (await second.state.models.Message.countDocuments({ messageId: { $in: ids } })) === ids.length, 60_000, 'the spooled messages stored');
      expect(await second.state.models.Event.countDocuments({ organizationId: org.id, type: 'message.received' })).toBe(ids.length);
      expect(readdirSync(spool, { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl') || f.includes('.draining'))).toEqual([]);
    } finally {
      await redis.dispose();
      await database.dispose();
      rmSync(spool, { recursive: true, force: true });
    }
  });
});
