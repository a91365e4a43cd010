import { describe, expect, it } from 'vitest';
import type { WAMessage } from '@whiskeysockets/baileys';
import { classifyInbound, identityFromKey, normaliseMessage } from '../../../bridge/src/messages/normalizeMessage.ts';
import { storedMessageId } from '../../../bridge/src/messages/messageKey.ts';
import { asDelivered, fixtures, GROUP, PEER } from '../../support/waMessages.ts';

const ref = { organizationId: 'org1', session: 'main' };
const now = new Date('2026-11-26T18:00:00Z');

/** Every fixture is checked both as written and as Baileys hands it over (protobuf-decoded, Long numbers). */
function both(make: () => WAMessage) {
  const raw = make();
  return [normaliseMessage(ref, raw, now)!, normaliseMessage(ref, asDelivered(raw), now)!];
}

describe('normalising Baileys messages', () => {
  it('decoded messages carry Long timestamps, which are read as seconds', () => {
    const delivered = asDelivered(fixtures.extendedReply());
    expect(typeof delivered.messageTimestamp).toBe('object');
    const doc = normaliseMessage(ref, delivered, now)!;
    expect(doc.timestamp.toISOString()).toBe(new Date(1764180000 * 1000).toISOString());
  });

  it('text: conversation and extended text with reply context', () => {
    for (const doc of both(fixtures.conversation)) {
      expect(doc).toMatchObject({ type: 'text', text: 'Hallo, ist das Paket angekommen?', direction: 'in', fromMe: false, from: PEER, chat: PEER, pushName: 'Lena', status: 'delivered', quotedMessageId: null });
    }
    for (const doc of both(fixtures.extendedReply)) {
      expect(doc).toMatchObject({ type: 'text', text: 'Ja, danke! https://example.com/track', quotedMessageId: '3EB0C431D2A7B5F9E1A2' });
    }
  });

  it('media: image (group, sender is the participant), video, voice vs audio, document inside documentWithCaption, sticker', () => {
    for (const doc of both(fixtures.image)) {
      expect(doc).toMatchObject({ type: 'image', chat: GROUP, from: '4915111111111@s.whatsapp.net', text: 'Lieferschein' });
      expect(doc.media).toEqual({ mimetype: 'image/jpeg', fileName: null, size: 184223, caption: 'Lieferschein', seconds: null, width: 1200, height: 1600 });
    }
    for (const doc of both(fixtures.video)) expect(doc).toMatchObject({ type: 'video', text: 'clip', media: { seconds: 12, size: 1048576 } });
    for (const doc of both(fixtures.voice)) expect(doc).toMatchObject({ type: 'voice', media: { mimetype: 'audio/ogg; codecs=opus', seconds: 7 } });
    for (const doc of both(fixtures.audio)) expect(doc).toMatchObject({ type: 'audio', media: { mimetype: 'audio/mpeg' } });
    for (const doc of both(fixtures.documentWithCaption)) {
      expect(doc).toMatchObject({ type: 'document', text: 'Rechnung anbei', media: { fileName: 'Rechnung-2026-11.pdf', mimetype: 'application/pdf', size: 88211 } });
    }
    for (const doc of both(fixtures.sticker)) expect(doc).toMatchObject({ type: 'sticker', media: { mimetype: 'image/webp' } });
  });

  it('location and contact card; a reaction is a change to its target, not a message', () => {
    for (const doc of both(fixtures.location)) {
      expect(doc.type).toBe('location');
      expect(doc.location).toEqual({ latitude: 52.520008, longitude: 13.404954, name: 'Alexanderplatz', address: '10178 Berlin' });
    }
    for (const doc of both(fixtures.contactCard)) {
      expect(doc).toMatchObject({ type: 'contact', text: 'Max Mustermann' });
      expect(doc.contacts?.[0].vcard).toContain('TEL;type=CELL;waid=4917000000000');
    }
    for (const raw of [fixtures.reaction(), asDelivered(fixtures.reaction())]) {
      expect(normaliseMessage(ref, raw, now)).toBeNull();
      const item = classifyInbound(ref, raw, identityFromKey(raw.key), now);
      expect(item).toMatchObject({ kind: 'change', change: { kind: 'reaction', messageId: '3EB0AAAABBBBCCCCDDDD', fromMe: true, emoji: '👍', from: PEER } });
    }
  });

  it('unwraps ephemeral and view-once wrappers', () => {
    for (const doc of both(fixtures.ephemeralText)) expect(doc).toMatchObject({ type: 'text', text: 'verschwindet in 7 Tagen' });
    for (const doc of both(fixtures.viewOnceImage)) expect(doc).toMatchObject({ type: 'image', media: { size: 5000 } });
  });

  it('a poll keeps its question and options; anything else is honestly unsupported, with WhatsApp\'s type name; group notices are not messages', () => {
    for (const doc of both(fixtures.poll)) {
      expect(doc).toMatchObject({ type: 'poll', text: 'Pizza?', poll: { name: 'Pizza?', options: ['ja', 'nein'], selectableCount: 1, votes: [] } });
    }
    const event = normaliseMessage(ref, { key: { remoteJid: PEER, id: 'E1', fromMe: false }, message: { eventMessage: { name: 'Party' } }, messageTimestamp: 1764180000 }, now)!;
    expect(event).toMatchObject({ type: 'unsupported', rawType: 'eventMessage', text: null });
    const stub = { key: { remoteJid: GROUP, id: 'X1', fromMe: false }, messageStubType: 27, messageTimestamp: 1764180000 };
    expect(normaliseMessage(ref, stub, now)).toBeNull();
    expect(classifyInbound(ref, stub, identityFromKey(stub.key), now)).toEqual({ kind: 'ignored', reason: 'notice' });
  });

  it('keeps text exactly as received, NUL included; skips status broadcasts and keyless messages', () => {
    expect(normaliseMessage(ref, fixtures.withNul(), now)!.text).toBe('nul\u0000inside');
    expect(normaliseMessage(ref, { ...fixtures.conversation(), key: { remoteJid: 'status@broadcast', id: 'S1', fromMe: false } }, now)).toBeNull();
    expect(normaliseMessage(ref, { key: {}, message: { conversation: 'x' } } as WAMessage, now)).toBeNull();
  });

  it('derives the stored id from the unique key, so a redelivery maps to the same document', () => {
    const message = fixtures.conversation();
    const a = normaliseMessage(ref, message, now)!;
    const b = normaliseMessage(ref, asDelivered(message), new Date())!;
    expect(a._id).toBe(b._id);
    expect(a._id).toBe(storedMessageId({ ...ref, messageId: message.key.id!, fromMe: false }));
    expect(normaliseMessage({ ...ref, session: 'other' }, message, now)!._id).not.toBe(a._id);
    const outbound = normaliseMessage(ref, { ...message, key: { ...message.key, fromMe: true }, status: 2 }, now)!;
    expect(outbound).toMatchObject({ direction: 'out', fromMe: true, from: null, status: 'sent' });
    expect(outbound._id).not.toBe(a._id);
  });
});
